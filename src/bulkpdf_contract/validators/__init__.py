"""Validation of requests to and responses from the bulk-PDF endpoint, as :class:`Finding` lists.

This package's own names are the core every tool needs. The rest is imported from its module,
so a tool pays only for what it uses (``bulkpdf lint`` in a pre-commit hook starts in tens of
milliseconds): :mod:`.assertions` (``BulkPdfValidator``, ``assert_valid_request``/``_response``
for tests), :mod:`.messages` (request and response objects of ``httpx`` and ``requests``),
:mod:`.exchanges` and :mod:`.conversation` (whole exchanges both ways and the rules that span a
conversation: the validating proxy and ``bulkpdf lint --har``).
"""

from .findings import Finding, pointer_of, sort_findings
from .request import header_items, validate_headers, validate_request
from .response import validate_response
from .token import validate_token_request, validate_token_response

__all__ = [
    "Finding",
    "header_items",
    "pointer_of",
    "sort_findings",
    "validate_headers",
    "validate_request",
    "validate_response",
    "validate_token_request",
    "validate_token_response",
]
