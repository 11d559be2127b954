"""``bulkpdf lint --har``: recorded traffic held to the proxy's rules offline, in lint's formats
and exit codes; HARs of other tools (browsers: HTTP/2 pseudo-headers, base64 bodies, ``Z``
times, entries out of order) read too; bad files are findings, never tracebacks."""

from __future__ import annotations

import base64
import json
import subprocess
import sys

import pytest
from lint_support import EXAMPLES, VALID, lint_json, run_lint, write

REQUEST_ID = "d4b8c683-04ff-407d-964a-a63ae7917483"
COLLECTION = "https://rest.apisandbox.zuora.com/v1/operations/bulk-pdf"


def entry(method: str, url: str, request: dict | None, status: int, answer: dict | None, *, started: str,
          time_ms: float = 10.0, headers: list | None = None, answer_headers: list | None = None,
          base64_answer: bool = False) -> dict:
    text = json.dumps(answer) if answer is not None else None
    content = {"size": len(text or ""), "mimeType": "application/json"}
    if text is not None:
        content.update(text=base64.b64encode(text.encode()).decode() if base64_answer else text,
                       **({"encoding": "base64"} if base64_answer else {}))
    out = {
        "startedDateTime": started, "time": time_ms,
        "request": {"method": method, "url": url, "httpVersion": "HTTP/2", "cookies": [], "queryString": [],
                    "headers": [{"name": ":authority", "value": "rest.apisandbox.zuora.com"},
                                {"name": "authorization", "value": "Bearer abc"},
                                {"name": "content-type", "value": "application/json"}, *(headers or [])],
                    "headersSize": -1, "bodySize": -1},
        "response": {"status": status, "statusText": "", "httpVersion": "HTTP/2", "cookies": [],
                     "headers": [{"name": "zuora-request-id", "value": REQUEST_ID}, *(answer_headers or [])],
                     "content": content, "redirectURL": "", "headersSize": -1, "bodySize": -1},
        "cache": {}, "timings": {"send": 1, "wait": 8, "receive": 1},
    }
    if request is not None:
        out["request"]["postData"] = {"mimeType": "application/json", "text": json.dumps(request)}
    return out


def har(*entries: dict) -> str:
    return json.dumps({"log": {"version": "1.2", "creator": {"name": "a browser", "version": "1"},
                               "entries": list(entries)}}, indent=2)


def created(job_id: str, started: str, key: str = "k1", **kwargs) -> dict:
    return entry("POST", COLLECTION, VALID, 200, {"jobId": job_id, "invalidIds": [], "success": True},
                 started=started, headers=[{"name": "idempotency-key", "value": key}], **kwargs)


BROWSER_HAR = har(
    # listed out of order: the replay first, though it was sent a second after the first POST
    created("job-2", "2024-05-01T10:00:01.000Z"),
    created("job-1", "2024-05-01T10:00:00.000Z", base64_answer=True),
    entry("POST", COLLECTION, {**VALID, "fileName": "x" * 33}, 400,
          {"success": False, "reasons": [{"code": "51580020", "message": "too long"}]}, started="2024-05-01T10:00:02Z",
          answer_headers=[{"name": "zuora-track-id", "value": "unasked"}]),
    entry("GET", COLLECTION + "/job-1", None, 0, None, started="2024-05-01T10:00:03Z"),  # aborted: skipped
)


def test_findings_are_placed_at_their_entry_in_lint_formats(tmp_path, capsys):
    path = write(tmp_path, "browser.har", BROWSER_HAR)
    code, findings = lint_json(capsys, "--har", path)
    assert code == 1
    found = {(f["rule"], f["pointer"], f["line"]) for f in findings}
    lines = BROWSER_HAR.splitlines()
    replay_response = next(n for n, line in enumerate(lines, 1) if '"response"' in line)  # entry 0's response
    second_request = [n for n, line in enumerate(lines, 1) if '"request"' in line][2]
    third_response = [n for n, line in enumerate(lines, 1) if '"response"' in line][2]
    assert found == {
        ("idempotency.replay-job-id", "/jobId", replay_response),
        ("schema.maxLength", "/fileName", second_request),
        ("response.track-id-echo", "/headers/Zuora-Track-Id", third_response),
    }
    messages = {f["rule"]: f["message"] for f in findings}
    assert messages["schema.maxLength"].startswith("request of POST /v1/operations/bulk-pdf -> 400: ")
    assert "'job-1'" in messages["idempotency.replay-job-id"]
    code, out, err = run_lint(capsys, "--har", path)
    assert code == 1 and out.count(f"{path}:") == 3 and "3 finding(s) in 1 file(s)" in err


def test_a_clean_har_and_payload_files_together(tmp_path, capsys):
    clean = write(tmp_path, "clean.har", har(created("job-1", "2024-05-01T10:00:00+00:00")))
    assert run_lint(capsys, "--har", clean, EXAMPLES / "valid")[:2] == (0, "")
    assert run_lint(capsys, "--har", clean, "--har", clean)[:2] == (0, "")


@pytest.mark.parametrize("content, rule, words", [
    ("{not json", "parse", "invalid JSON"),
    ('{"log": {"version": "1.2"}}', "parse", "not a HAR file"),
    ("[]", "parse", "not a HAR file"),
    ("", "parse", "empty"),
    (har({"request": {"method": "GET"}}), "har.entry", "needs a request and a response"),
    (har({**entry("GET", COLLECTION, None, 200, {}, started="yesterday")}), "har.entry", "not an ISO 8601"),
])
def test_bad_files_are_findings(tmp_path, capsys, content, rule, words):
    path = write(tmp_path, "bad.har", content)
    code, findings = lint_json(capsys, "--har", path)
    assert code == 1 and [f["rule"] for f in findings] == [rule] and words in findings[0]["message"]


def test_a_missing_file_and_no_input_at_all(tmp_path, capsys):
    code, findings = lint_json(capsys, "--har", tmp_path / "nope.har")
    assert code == 1 and findings[0]["rule"] == "read"
    code, _, err = run_lint(capsys)
    assert code == 2 and "usage: bulkpdf lint" in err and "--har" in err


def test_lint_har_imports_no_server():
    code = (
        "import contextlib, io, sys\nfrom bulkpdf_contract.lint.har import lint_har\n"
        "from bulkpdf_contract.cli import main\n"
        "heavy = {'starlette', 'uvicorn', 'httpx', 'harfile', 'schemathesis'}\n"
        "ours = {'bulkpdf_contract.proxy', 'bulkpdf_contract.mock', 'bulkpdf_contract.gate'}\n"
        "print(sorted((heavy & {m.split('.')[0] for m in sys.modules}) | (ours & set(sys.modules))))\n"
    )
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert (result.returncode, result.stdout.strip()) == (0, "[]"), result.stderr
