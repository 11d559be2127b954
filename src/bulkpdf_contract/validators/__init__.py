"""Validation of requests to and responses from the bulk-PDF endpoint, as :class:`Finding` lists."""

from .findings import Finding, pointer_of, sort_findings
from .request import header_items, validate_headers, validate_request
from .response import validate_response

__all__ = [
    "Finding",
    "header_items",
    "pointer_of",
    "sort_findings",
    "validate_headers",
    "validate_request",
    "validate_response",
]
