"""Loads the Hypothesis profile named by BULKPDF_HYPOTHESIS_PROFILE (default ``ci``)."""

from bulkpdf_contract.strategies.profiles import load_profile

load_profile()
