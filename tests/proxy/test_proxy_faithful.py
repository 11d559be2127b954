"""A faithful upstream (the mock) behind the proxy: the client's mistakes are reported as request
violations, nothing on the response side, and what passes through is what was sent."""

from __future__ import annotations

import contextlib
import gzip
import re
import socket
import socketserver
import ssl
import threading
from typing import Iterator

import aiohttp
import httpx
import orjson
import pytest
from proxy_support import (EXPECTED_REQUEST_RULES, SEED, TOKEN, Recording, by_label, converse, mock_app, proxied,
                           upstream)

from bulkpdf_contract.mock.server import serve_app
from bulkpdf_contract.proxy import run_proxy
from bulkpdf_contract.proxy.upstream import UNREACHABLE, timed_out
from bulkpdf_contract.spec import COLLECTION_PATH, TOKEN_PATH


def test_a_faithful_upstream_gives_no_response_violation():
    with proxied() as (_, proxy):
        talk = converse(proxy, documents=2)
        violations = proxy.violations()
        stats = proxy.stats()
    assert talk.job_id
    assert by_label(talk, violations, "response") == set()
    assert by_label(talk, violations, "request") == EXPECTED_REQUEST_RULES
    assert stats.exchanges == sum(len(found) for found in talk.steps.values())
    assert stats.by_direction["response"] == 0 and stats.refused == stats.unreachable == stats.aborted == 0


def test_a_finished_job_of_several_zips_keeps_the_naming_rule():
    with proxied() as (_, proxy):
        talk = converse(proxy, documents=2500, file_name="big")
        violations = proxy.violations()
    assert talk.job["status"] == "Completed" and len(talk.job["fileUrls"]) == 3
    assert by_label(talk, violations, "response") == set()


def test_requests_and_answers_pass_through_untouched():
    """Authorization, a gzip request body and a gzip answer, and the token operation, byte for byte."""
    answer = gzip.compress(orjson.dumps({"jobId": "j", "success": True}), mtime=0)
    recording = Recording(headers=[(b"content-type", b"application/json"), (b"content-encoding", b"gzip"),
                                   (b"x-upstream", b"1")], body=answer)
    sent = gzip.compress(orjson.dumps({"documents": []}), mtime=0)
    with upstream(recording) as url, run_proxy(url) as proxy:
        with httpx.Client(base_url=proxy.url) as client:
            headers = {"Authorization": "Bearer secret-token", "Content-Type": "application/json",
                       "Content-Encoding": "gzip", "Accept-Encoding": "gzip", "Zuora-Track-Id": "t1"}
            with client.stream("POST", COLLECTION_PATH + "?q=1", content=sent, headers=headers) as response:
                raw = b"".join(response.iter_raw())
                got_headers = response.headers
                client_sent = {k.lower(): v for k, v in response.request.headers.items()}
            form = b"client_id=" + b"c" * 36 + b"&client_secret=s3cret&grant_type=client_credentials"
            client.post(TOKEN_PATH, content=form, headers={"Content-Type": "application/x-www-form-urlencoded"})
    first, token = recording.received
    assert first["body"] == sent and first["path"] == COLLECTION_PATH
    received = {k.decode(): v.decode() for k, v in first["headers"]}
    assert received["authorization"] == "Bearer secret-token"
    assert received["content-encoding"] == "gzip" and received["accept-encoding"] == "gzip"
    assert received["host"] == url.split("//")[1]  # the upstream's own name, as a client would send it
    assert {k: v for k, v in received.items() if k != "host"} == {
        k: v for k, v in client_sent.items() if k not in ("host", "connection")}  # nothing added, nothing lost
    assert raw == answer and got_headers["content-encoding"] == "gzip" and got_headers["x-upstream"] == "1"
    assert token["path"] == TOKEN_PATH and token["body"] == form


def test_a_tls_upstream_is_reached_with_its_certificate_checked(tmp_path):
    trustme = pytest.importorskip("trustme")
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1", "localhost")
    key_file, cert_file = tmp_path / "key.pem", tmp_path / "cert.pem"
    cert.private_key_pem.write_to_path(key_file)
    cert.cert_chain_pems[0].write_to_path(cert_file)
    trusted = ssl.create_default_context()
    ca.configure_trust(trusted)
    server = serve_app(mock_app(), ssl_certfile=str(cert_file), ssl_keyfile=str(key_file))
    try:
        assert server.url.startswith("https://")
        with run_proxy(server.url, verify=trusted) as proxy:
            talk = converse(proxy)
            assert talk.job_id and by_label(talk, proxy.violations(), "response") == set()
        with run_proxy(server.url) as untrusted:  # the default CA bundle does not know this CA
            refused = httpx.post(untrusted.url + COLLECTION_PATH, json={}, headers={"Authorization": f"Bearer {TOKEN}"})
        assert refused.status_code == 502 and "CERTIFICATE_VERIFY_FAILED" in refused.text
        assert refused.json()["reasons"][0]["code"] == "51580061"
    finally:
        server.stop()


def test_an_upstream_with_a_base_path_gets_it_before_every_path():
    recording = Recording(body=orjson.dumps({"jobId": "j", "success": True}))
    with upstream(recording) as url, run_proxy(url + "/zuora/") as proxy:
        httpx.get(proxy.url + COLLECTION_PATH + "/abc?x=1%202", headers={"Authorization": f"Bearer {TOKEN}"})
        (violation, *_) = proxy.violations()
    assert recording.received[0]["path"] == "/zuora" + COLLECTION_PATH + "/abc"
    assert violation.path == COLLECTION_PATH + "/abc"  # judged as the client's path


def test_a_request_without_a_body_gets_nothing_added_and_repeated_headers_stay_repeated():
    """The exact bytes of a hand-written request: the upstream sees the client's headers and no
    others (no Accept, User-Agent, Content-Type or Content-Length of the forwarder's), in order,
    repeats kept, a UTF-8 value byte for byte; the client sees both of the upstream's cookies."""
    recording = Recording(headers=[(b"content-type", b"application/json"), (b"set-cookie", b"a=1"),
                                   (b"set-cookie", b"b=2")])
    with upstream(recording) as url, run_proxy(url) as proxy:
        host, port = proxy.url.split("//")[1].split(":")
        request = (b"GET " + COLLECTION_PATH.encode() + b"/" + b"a" * 32 + b"?x=%2F HTTP/1.1\r\nHost: proxy\r\n"
                   b"Authorization: Bearer t\r\nX-Seen: 1\r\nX-Seen: 2\r\nX-Place: Z\xc3\xbcrich\r\n"
                   b"Connection: close\r\n\r\n")
        with socket.create_connection((host, int(port)), timeout=30) as sock:
            sock.sendall(request)
            answer = b"".join(iter(lambda: sock.recv(65536), b""))
    (received,) = recording.received
    assert [(k, v) for k, v in received["headers"] if k != b"host"] == [
        (b"authorization", b"Bearer t"), (b"x-seen", b"1"), (b"x-seen", b"2"), (b"x-place", "Zürich".encode())]
    assert received["method"] == "GET" and received["body"] == b""
    head = answer.split(b"\r\n\r\n", 1)[0].lower()
    assert head.startswith(b"http/1.1 200") and b"set-cookie: a=1\r\nset-cookie: b=2" in head


def test_a_connection_that_cannot_be_made_in_time_is_unreachable_a_silent_upstream_too_slow():
    """502 for an upstream that cannot be reached (a connect timeout included, as the settings say),
    504 for one that was reached and did not answer in time."""
    connect = aiohttp.ConnectionTimeoutError("connect")
    read = aiohttp.SocketTimeoutError("read")
    assert not timed_out(connect) and timed_out(read) and timed_out(TimeoutError())
    assert not timed_out(aiohttp.ServerDisconnectedError()) and not timed_out(ConnectionRefusedError())
    assert all(isinstance(error, UNREACHABLE) for error in (connect, read, aiohttp.InvalidURL("x"), OSError()))


@contextlib.contextmanager
def ignoring_expect() -> Iterator[tuple[str, list[bytes]]]:
    """An HTTP/1.1 upstream that never sends ``100 Continue`` (servers may ignore the expectation):
    it reads the head and the Content-Length body, then answers. Yields its URL and each head."""
    heads: list[bytes] = []

    class Handler(socketserver.StreamRequestHandler):
        def handle(self) -> None:
            head = b""
            while not head.endswith(b"\r\n\r\n"):
                head += self.rfile.readline()
            heads.append(head)
            length = int(re.search(rb"(?im)^content-length:\s*(\d+)", head).group(1))
            self.rfile.read(length)
            answer = b'{"success": true}'
            self.wfile.write(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n"
                             b"Connection: close\r\n\r\n%s" % (len(answer), answer))

    with socketserver.ThreadingTCPServer(("127.0.0.1", 0), Handler) as server:
        server.daemon_threads = True
        thread = threading.Thread(target=server.serve_forever, daemon=True)
        thread.start()
        try:
            yield f"http://127.0.0.1:{server.server_address[1]}", heads
        finally:
            server.shutdown()


def test_a_clients_expect_100_continue_is_met_by_the_proxy_and_the_upstream_gets_the_body_at_once():
    """The proxy's own server answers the client's ``Expect: 100-continue``; the upstream gets the
    request without the expectation, body and all, so one that never sends 100 still answers."""
    with ignoring_expect() as (url, heads), run_proxy(url, timeout=5) as proxy:
        host, port = proxy.url.split("//")[1].split(":")
        content = orjson.dumps(SEED)
        request = (b"POST " + COLLECTION_PATH.encode() + b" HTTP/1.1\r\nHost: proxy\r\nAuthorization: Bearer t\r\n"
                   b"Content-Type: application/json\r\nExpect: 100-continue\r\nContent-Length: %d\r\n"
                   b"Connection: close\r\n\r\n" % len(content))
        with socket.create_connection((host, int(port)), timeout=30) as sock:
            sock.sendall(request)
            assert sock.recv(65536).startswith(b"HTTP/1.1 100 Continue\r\n\r\n")  # from the proxy
            sock.sendall(content)
            answer = b"".join(iter(lambda: sock.recv(65536), b""))
    assert answer.startswith(b"HTTP/1.1 200 "), answer[:200]
    assert answer.endswith(b'{"success": true}')
    (head,) = heads
    assert b"expect:" not in head.lower() and b"authorization: Bearer t\r\n" in head
