"""``bulkpdf_contract.validators.messages``: real ``httpx`` and ``requests`` requests and responses
read into :class:`MessageParts`.

The ``requests`` responses come from a real exchange with a small HTTP server on 127.0.0.1, so
they are what a client really holds (``.request`` set, ``.content`` already inflated).
"""

from __future__ import annotations

import gzip
import json
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import httpx
import pytest
import requests

from bulkpdf_contract.strategies import Request
from bulkpdf_contract.validators.messages import MessageParts, request_parts, response_parts
from bulkpdf_contract.validators.messages import decode_body, is_message

URL = "http://x/v1/operations/bulk-pdf"
BODY = {"fileName": "jan", "indexFileFormat": "CSV"}
JOB = {"jobId": "j-1", "success": True}


class _JobHandler(BaseHTTPRequestHandler):
    """Answers every POST with :data:`JOB`, gzipped, and a Zuora-Request-Id."""

    def do_POST(self):
        self.rfile.read(int(self.headers.get("Content-Length", 0)))
        payload = gzip.compress(json.dumps(JOB).encode())
        self.send_response(200)
        for name, value in (("Content-Type", "application/json"), ("Content-Encoding", "gzip"),
                            ("Content-Length", str(len(payload))), ("Zuora-Request-Id", "0" * 36)):
            self.send_header(name, value)
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args):
        pass


@pytest.fixture(scope="module")
def server_url():
    server = ThreadingHTTPServer(("127.0.0.1", 0), _JobHandler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}/v1/operations/bulk-pdf"
    server.shutdown()
    server.server_close()
    thread.join()


def test_an_httpx_request_gives_its_method_headers_and_json_body():
    request = httpx.Request("post", URL, json=BODY, headers={"Zuora-Track-Id": "t-1"})
    parts = request_parts(request)
    assert (parts.method, parts.body, parts.findings) == ("POST", BODY, ())
    assert parts.headers["zuora-track-id"] == "t-1"
    assert (parts.status, parts.request_headers) == (None, None)


def test_a_gzip_body_is_inflated_when_the_headers_say_so():
    gzipped = gzip.compress(json.dumps(BODY).encode())
    request = httpx.Request("POST", URL, content=gzipped, headers={"Content-Encoding": " GZIP "})
    assert request_parts(request).body == BODY
    undeclared = httpx.Request("POST", URL, content=gzipped)
    (finding,) = request_parts(undeclared).findings
    assert (finding.rule, finding.pointer) == ("request.not-json", "")
    assert finding.message.startswith("the body is not JSON: ")


def test_a_body_that_cannot_be_read_as_json_is_a_finding_not_an_exception():
    broken_gzip = httpx.Request("POST", URL, content=b"\x1f\x8b\x08broken",
                                headers={"Content-Encoding": "gzip"})
    (finding,) = request_parts(broken_gzip).findings
    assert finding.rule == "request.not-json" and "the gzip body does not inflate" in finding.message
    parts = request_parts(httpx.Request("POST", URL, content=b"{oops"))
    assert parts.body is None and [f.rule for f in parts.findings] == ["request.not-json"]
    assert request_parts(httpx.Request("GET", URL)).body is None  # no body at all: nothing to say


def test_requests_requests_prepared_or_not(tmp_path):
    unprepared = requests.Request("get", URL + "/1", headers={"Idempotency-Key": "k-1"})
    parts = request_parts(unprepared)
    assert (parts.method, parts.body, parts.findings) == ("GET", None, ())
    assert parts.headers["idempotency-key"] == "k-1"
    prepared = requests.Request("POST", URL, json=BODY).prepare()
    assert request_parts(prepared).body == BODY
    as_text = requests.Request("POST", URL, data=json.dumps(BODY)).prepare()
    assert isinstance(as_text.body, str) and request_parts(as_text).body == BODY


def test_a_streamed_requests_body_is_reported_unread(tmp_path):
    path = tmp_path / "body.json"
    path.write_text(json.dumps(BODY))
    with path.open("rb") as stream:
        (finding,) = request_parts(requests.Request("POST", URL, data=stream).prepare()).findings
    assert finding.rule == "request.not-json"
    assert finding.message == ("the body is a stream (BufferedReader), not JSON bytes; read it first")


def test_a_generated_request_keeps_its_decoded_body():
    generated = Request("post", {"Zuora-Track-Id": "t"}, BODY)
    assert request_parts(generated) == MessageParts(method="POST", headers={"Zuora-Track-Id": "t"},
                                                    body=BODY)


def test_an_httpx_response_carries_its_request_method_and_headers():
    request = httpx.Request("GET", URL + "/j-1", headers={"Zuora-Track-Id": "sent"})
    response = httpx.Response(200, json=JOB, headers={"Zuora-Request-Id": "r"}, request=request)
    parts = response_parts(response)
    assert (parts.status, parts.method, json.loads(parts.body)) == (200, "GET", JOB)
    assert parts.headers["zuora-request-id"] == "r" and parts.request_headers["zuora-track-id"] == "sent"


def test_an_httpx_response_built_without_a_request():
    parts = response_parts(httpx.Response(404, content=b""))
    assert (parts.status, parts.method, parts.request_headers, parts.body) == (404, None, None, b"")


def test_a_requests_response_from_a_real_exchange(server_url):
    response = requests.post(server_url, json=BODY, headers={"Zuora-Track-Id": "t-2"}, timeout=10)
    parts = response_parts(response)
    assert (parts.status, parts.method) == (200, "POST")
    assert json.loads(parts.body) == JOB  # requests inflated it; the header still says gzip
    assert parts.headers["content-encoding"] == "gzip"
    assert parts.request_headers["zuora-track-id"] == "t-2"
    assert request_parts(response.request).body == BODY


def test_only_message_objects_are_messages():
    assert is_message(httpx.Request("GET", URL)) and is_message(httpx.Response(200))
    assert is_message(requests.Request("GET", URL)) and is_message(Request("GET", {}, None))
    assert not is_message(BODY) and not is_message(200) and not is_message(None)


def test_decode_body_takes_bytes_and_text():
    assert decode_body('{"a": 1}', None, "response") == ({"a": 1}, ())
    assert decode_body(bytearray(b"[1]"), [("Content-Encoding", "identity")], "request") == ([1], ())
    assert decode_body("", None, "request") == (None, ())
    _, (finding,) = decode_body("nope", None, "response")
    assert finding.rule == "response.not-json"
