"""Hypothesis strategies derived from the spec: valid requests and labelled edge cases.

``@given(valid_requests())`` gives realistic requests the validators accept;
``@given(edge_cases())`` gives boundary values (plain :class:`Request`) and invalid requests
(:class:`Labelled` with the finding they must produce). Every limit, enum and charset is read
from the :class:`~bulkpdf_contract.spec.Contract` passed in (the shipped spec by default).
Importing the package registers the ``ci`` and ``dev`` Hypothesis profiles (see
:mod:`.profiles`).
"""

from .coverage import features
from .document_edges import document_counts, duplicate_documents
from .edges import EDGE_FAMILIES, edge_cases, edge_cases_by_family, labelled_edge_cases
from .field_edges import (
    boundary_lengths, charset_violations, empty_values, enum_violations, missing_fields,
    pattern_violations, unknown_fields, wrong_types,
)
from .method_edges import method_misuse
from .model import Labelled, Request
from .profiles import PROFILE_ENV, load_profile, register_profiles
from .valid import job_paths, object_ids, valid_bodies, valid_headers, valid_requests

register_profiles()

__all__ = [
    "EDGE_FAMILIES",
    "PROFILE_ENV",
    "Labelled",
    "Request",
    "boundary_lengths",
    "charset_violations",
    "document_counts",
    "duplicate_documents",
    "edge_cases",
    "edge_cases_by_family",
    "empty_values",
    "enum_violations",
    "features",
    "job_paths",
    "labelled_edge_cases",
    "load_profile",
    "method_misuse",
    "missing_fields",
    "object_ids",
    "pattern_violations",
    "register_profiles",
    "unknown_fields",
    "valid_bodies",
    "valid_headers",
    "valid_requests",
    "wrong_types",
]
