"""Loads the Hypothesis profile named by BULKPDF_HYPOTHESIS_PROFILE (default ``ci``), and imports
what in-process ``pytester`` runs would otherwise import first.

``pytester.runpytest`` removes the modules an inner run imported when it ends. A module imported
again afterwards is a new module with new classes, while other modules keep references to the
old ones: httpx maps httpcore's exceptions with a table built on first use, so a re-imported
httpcore's ``ReadTimeout`` escaped that table unmapped (a proxy test on the same xdist worker
then saw a 500 instead of a 504), and re-importing PyYAML's C loader breaks it. Modules imported
here, before any inner run, are kept.
"""

import httpcore  # noqa: F401  (httpx imports it only on its first request)
import httpx  # noqa: F401
import hypothesis  # noqa: F401
import requests  # noqa: F401

import bulkpdf_contract.client  # noqa: F401
import bulkpdf_contract.mock  # noqa: F401
import bulkpdf_contract.proxy  # noqa: F401
import bulkpdf_contract.proxy.session  # noqa: F401
import bulkpdf_contract.spec  # noqa: F401
import bulkpdf_contract.strategies  # noqa: F401
import bulkpdf_contract.validators  # noqa: F401
from bulkpdf_contract.strategies.profiles import load_profile

load_profile()
