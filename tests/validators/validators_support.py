"""Shared builders of the validator tests: the seed request, IDs, and both-engine runners."""

from __future__ import annotations

import copy

from bulkpdf_contract.spec import load_contract
from bulkpdf_contract.validators import validate_request, validate_response

SEED = load_contract().request_examples()["seed"]
ID_A, ID_B, ID_C = "a" * 32, "b" * 32, "0123456789abcdef0123456789ABCDEF"
REQUEST_ID = {"Zuora-Request-Id": "d4b8c683-04ff-407d-964a-a63ae7917483"}
ENGINES = ["rs", "jsonschema"]


def body(**changes):
    """The seed request with top-level fields replaced (``None`` removes one)."""
    out = copy.deepcopy(SEED)
    for key, value in changes.items():
        if value is None:
            out.pop(key, None)
        else:
            out[key] = value
    return out


def groups(*groups_):
    return [{"docType": doc_type, "objectIds": list(ids)} for doc_type, ids in groups_]


def check(payload, headers=None, method="POST", **kwargs):
    """Findings of both engines, which must agree."""
    results = [validate_request(payload, headers, method, engine=e, **kwargs) for e in ENGINES]
    assert results[0] == results[1]
    return results[0]


def rules(findings):
    return [(f.rule, f.pointer) for f in findings]


WRONG_TYPES = [None, True, 0, 1.5, "text", [], {}]


FIELD_TYPES = {
    "documents": "array", "fileName": "string", "name": "string", "indexFileFormat": "string",
    "generateMissingPDF": "boolean", "ignoreArchivedFiles": "boolean", "persistIndexFile": "boolean",
}


PY_TYPES = {"array": list, "string": str, "boolean": bool}


def wrong_values(fields):
    return [(field, expected, value) for field, expected in sorted(fields.items())
            for value in WRONG_TYPES if type(value) is not PY_TYPES[expected]]


# -- responses ---------------------------------------------------------------------------------------------------
def respond(status, payload, headers=REQUEST_ID, **kwargs):
    results = [validate_response(status, payload, headers, engine=e, **kwargs) for e in ENGINES]
    assert results[0] == results[1]
    return results[0]


POST_OK = {"jobId": "402880de8ce7edc3018ce7f18404312a", "invalidIds": [], "success": True}


GET_OK = {"jobId": "j", "status": "Executing", "stepStatus": "PdfToZip", "fileUrls": [], "success": True}


ERROR = {"success": False, "processId": "p", "reasons": [{"code": "51580020", "message": "bad"}]}
