"""``bulkpdf_contract.client``: :class:`BulkPdfServer`, the handle the plugin's ``bulkpdf_server`` is.

Seeding runs against a real mock over HTTP; the probe and the failure paths use
``httpx.MockTransport``, so each answer a server might give is one line. The skip raised
without seeding is checked through pytest itself.
"""

from __future__ import annotations

import functools
import subprocess
import sys
import unittest

import httpx
import pytest

from bulkpdf_contract.client import (
    BulkPdfClient,
    BulkPdfServer,
    SeedingUnavailable,
    server_has_seeding,
)
from bulkpdf_contract.mock import run_server

pytest_plugins = ["pytester"]

UNREACHABLE = "http://127.0.0.1:9"
DOC = "aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa1"


@pytest.fixture(scope="module")
def mock(tmp_path_factory):
    with run_server(data_dir=tmp_path_factory.mktemp("mock"), token="t") as running:
        server = BulkPdfServer(running.url.rstrip("/"), "t", embedded=False)
        yield server
        server.close()


def answering(server: BulkPdfServer, monkeypatch, handler) -> list[httpx.Request]:
    """Route the server's control client through ``handler``; returns the requests it saw."""
    seen: list[httpx.Request] = []

    def record(request: httpx.Request) -> httpx.Response:
        seen.append(request)
        return handler(request)

    transport = httpx.MockTransport(record)
    monkeypatch.setattr(server, "client", functools.partial(BulkPdfServer.client, server,
                                                            transport=transport))
    return seen


def seeded(server: BulkPdfServer) -> dict[str, dict]:
    with server.client() as client:
        listed = client.get("/_mock/documents").json()
    documents = listed.get("documents", []) if isinstance(listed, dict) else listed
    return {d["id"]: d for d in documents}


def test_headers_and_clients_for_the_server():
    server = BulkPdfServer("http://127.0.0.1:1", "tok", embedded=False, job_timeout=7.5)
    assert server.headers == {"Authorization": "Bearer tok"}
    with server.client() as client:
        assert isinstance(client, BulkPdfClient) and client.job_timeout == 7.5
        assert str(client.base_url) == "http://127.0.0.1:1" and client.headers["Authorization"] == "Bearer tok"
    with server.client(job_timeout=1.0) as client:
        assert client.job_timeout == 1.0
    server.close()
    server.close()  # closing twice is harmless


def test_documents_are_seeded_for_a_block_and_restored(mock):
    assert mock.supports_seeding()
    with mock.documents({"id": DOC, "archived": True}) as docs:
        assert docs == [{"id": DOC, "archived": True}]
        assert seeded(mock)[DOC]["archived"] is True
        with mock.documents([[{"id": DOC.upper(), "archived": False}]]):  # flattened; ids ignore case
            assert seeded(mock)[DOC]["archived"] is False
        assert seeded(mock)[DOC]["archived"] is True  # the outer block's document is back
    assert DOC not in seeded(mock)


def test_documents_must_be_mappings(mock):
    with pytest.raises(TypeError, match="a document is a mapping, got int: 3"):
        with mock.documents({"id": DOC}, [3]):
            pass
    assert DOC not in seeded(mock)


def test_without_seeding_documents_raise_a_skip():
    server = BulkPdfServer(UNREACHABLE, "t", embedded=False)
    with pytest.raises(SeedingUnavailable) as caught:
        with server.documents({"id": DOC}):
            pass
    assert str(caught.value) == (
        "seeding documents needs a bulkpdf mock server; http://127.0.0.1:9 has none")
    assert isinstance(caught.value, unittest.SkipTest)
    server.close()


def test_pytest_reports_seeding_unavailable_as_a_skip_with_its_reason(pytester):
    pytester.makepyfile(f"""
from bulkpdf_contract.client import BulkPdfServer

def test_seeds():
    server = BulkPdfServer({UNREACHABLE!r}, "t", embedded=False)
    with server.documents({{"id": "x"}}):
        raise AssertionError("seeded on a server without seeding")
""")
    result = pytester.runpytest("-rs", "-p", "no:cacheprovider")
    result.assert_outcomes(skipped=1)
    result.stdout.fnmatch_lines(["SKIPPED *seeding documents needs a bulkpdf mock server; "
                                 "http://127.0.0.1:9 has none"])


def refuse(request: httpx.Request) -> httpx.Response:
    raise httpx.ConnectError("connection refused", request=request)


@pytest.mark.parametrize(
    ("answer", "expected"),
    [
        (lambda r: httpx.Response(200, json={"seeding": True}), True),
        (lambda r: httpx.Response(200, json={"seeding": False}), False),
        (lambda r: httpx.Response(404, json={"success": False}), False),
        (lambda r: httpx.Response(200, content=b"<html>"), False),
        (lambda r: httpx.Response(200, json=["seeding"]), False),
        (refuse, False),
    ],
    ids=["seeding", "no-seeding", "404", "not-json", "not-an-object", "refused"],
)
def test_the_seeding_probe_says_no_to_anything_but_yes(monkeypatch, answer, expected):
    server = BulkPdfServer("http://sandbox.example", "t", embedded=False)
    seen = answering(server, monkeypatch, answer)
    assert server.supports_seeding() is expected
    assert server.supports_seeding() is expected  # asked once
    assert [r.url.path for r in seen] == ["/_mock/capabilities"]
    with httpx.Client(transport=httpx.MockTransport(answer), base_url="http://x") as client:
        assert server_has_seeding(client) is expected


def test_a_failed_control_call_says_which_and_why(monkeypatch):
    def handler(request: httpx.Request) -> httpx.Response:
        if request.url.path == "/_mock/capabilities":
            return httpx.Response(200, json={"seeding": True})
        if request.method == "GET":
            return httpx.Response(200, json={"documents": []})
        return httpx.Response(500, json={"success": False, "reasons": [
            {"code": "51580000", "message": "disk full"}]}, headers={"Zuora-Request-Id": "rid"})

    server = BulkPdfServer("http://mock.example", "t", embedded=False)
    answering(server, monkeypatch, handler)
    with pytest.raises(RuntimeError, match=r"^seeding documents failed: POST /_mock/documents -> 500 "
                                           r"\(Zuora-Request-Id rid\): 51580000 disk full$"):
        with server.documents({"id": DOC}):
            pass


def test_the_client_and_validators_need_no_pytest():
    code = (
        "import sys\n"
        "from bulkpdf_contract.client import BulkPdfServer\n"
        "from bulkpdf_contract.validators.assertions import assert_valid_request, BulkPdfValidator\n"
        f"server = BulkPdfServer({UNREACHABLE!r}, 't', embedded=False)\n"
        "assert not server.supports_seeding()\n"
        "assert BulkPdfValidator().request({}) != []\n"
        "print(sorted(m for m in sys.modules if m.split('.')[0] in ('pytest', '_pytest')))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"
