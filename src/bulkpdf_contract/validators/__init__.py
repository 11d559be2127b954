"""Validation of requests to and responses from the bulk-PDF endpoint, as :class:`Finding` lists.

Also for request and response objects of ``httpx`` and ``requests``: :class:`BulkPdfValidator`,
and :func:`assert_valid_request` / :func:`assert_valid_response` for tests; and for whole
exchanges, both ways, with the rules that span a conversation (:mod:`.exchanges`,
:mod:`.conversation`: the validating proxy and ``bulkpdf lint --har``).
"""

from .assertions import BulkPdfValidator, assert_valid_request, assert_valid_response, format_findings
from .conversation import Conversation
from .exchanges import Body, Exchange, Violation, check_exchange, request_violations, response_violations
from .findings import Finding, pointer_of, sort_findings
from .messages import MessageParts, request_parts, response_parts
from .request import header_items, validate_headers, validate_request
from .response import validate_response
from .token import validate_token_request, validate_token_response

__all__ = [
    "Body",
    "BulkPdfValidator",
    "Conversation",
    "Exchange",
    "Finding",
    "MessageParts",
    "Violation",
    "assert_valid_request",
    "assert_valid_response",
    "check_exchange",
    "format_findings",
    "header_items",
    "pointer_of",
    "request_parts",
    "request_violations",
    "response_parts",
    "response_violations",
    "sort_findings",
    "validate_headers",
    "validate_request",
    "validate_response",
    "validate_token_request",
    "validate_token_response",
]
