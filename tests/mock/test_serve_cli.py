"""``bulkpdf serve`` as a user runs it, and the small pure parts of the mock."""

from __future__ import annotations

import gzip
import io
import socket
import subprocess
import sys
import time

import httpx
import pypdf
import pytest

from bulkpdf_contract.cli import main
from bulkpdf_contract.mock.archive import neutralise_cell, safe_entry_name
from bulkpdf_contract.mock.body import ApiError, inflate
from bulkpdf_contract.mock.pdf import make_pdf

from mock_support import AUTH, seed_request


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_serve_runs_the_mock_on_the_given_port_and_data_dir(tmp_path):
    port = free_port()
    documents = tmp_path / "world.yaml"
    documents.write_text("openWorld: true\ndocuments: []\n")
    proc = subprocess.Popen(
        [sys.executable, "-m", "bulkpdf_contract.cli", "serve", "--port", str(port), "--data-dir", str(tmp_path / "d"),
         "--token", "t1", "--token", "t2", "--documents", str(documents)],
        stderr=subprocess.PIPE, text=True,
    )
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                response = httpx.post(f"http://127.0.0.1:{port}/v1/operations/bulk-pdf", json=seed_request(),
                                      headers={"Authorization": "Bearer t2"})
                break
            except httpx.TransportError:
                assert proc.poll() is None and time.monotonic() < deadline, "serve did not start"
                time.sleep(0.1)
        assert response.status_code == 200
        assert (tmp_path / "d" / "mock.sqlite3").is_file()
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=20)
    assert str(tmp_path / "d") in err and f"http://127.0.0.1:{port}" in err


@pytest.mark.parametrize("content, message", [("- id: nope\n", "32 hexadecimal"), ("[", "not valid YAML")])
def test_serve_reports_a_bad_documents_file_with_exit_2(tmp_path, capsys, content, message):
    path = tmp_path / "world.yaml"
    path.write_text(content)
    assert main(["serve", "--data-dir", str(tmp_path / "d"), "--documents", str(path)]) == 2
    assert message in capsys.readouterr().err


def test_serve_reports_an_unusable_data_dir_with_exit_2(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("x")
    assert main(["serve", "--data-dir", str(blocker / "sub")]) == 2
    assert "bulkpdf serve:" in capsys.readouterr().err


def test_inflate_limits():
    assert inflate(gzip.compress(b"a" * 100), 100) == b"a" * 100
    with pytest.raises(ApiError) as error:
        inflate(gzip.compress(b"a" * 101), 100)
    assert error.value.status == 413
    assert inflate(gzip.compress(b"ab") + gzip.compress(b"cd"), 10) == b"abcd"
    with pytest.raises(ApiError) as error:
        inflate(gzip.compress(b"a" * 60) + gzip.compress(b"b" * 60), 100)
    assert error.value.status == 413


def test_pdfs_are_valid_with_any_text():
    pdf = make_pdf("Invoice", "INV(1)\\", "Ünïcode ✓ and \x00 control")
    page = pypdf.PdfReader(io.BytesIO(pdf), strict=True).pages[0]
    assert "INV(1)\\" in page.extract_text()


@pytest.mark.parametrize("lines", [
    ("Invoice", "INV0A", "Account A00000001", "Object ID " + "0" * 32),  # plain ASCII: the fast path
    ("Ünïcode ✓", "(x) \\ y", "z" * 2000),  # escaped, and a stream length of four digits
    (),
])
def test_pdf_cross_reference_offsets_point_at_their_objects(lines):
    pdf = make_pdf(*lines)
    start = int(pdf.rsplit(b"startxref\n", 1)[1].split(b"\n")[0])
    assert pdf[start:].startswith(b"xref\n0 6\n")
    entries = pdf[start:].split(b"\n")[3:8]
    for number, entry in enumerate(entries, start=1):
        assert pdf[int(entry[:10]):].startswith(b"%d 0 obj\n" % number)
    stream = pdf.split(b"stream\n", 1)[1].split(b"endstream", 1)[0]
    assert b"/Length %d >>" % len(stream) in pdf


@pytest.mark.parametrize("name, safe", [
    ("a.pdf", "a.pdf"), ("../x.pdf", ".._x.pdf"), ("a\\b.pdf", "a_b.pdf"), ("C:x.pdf", "C_x.pdf"),
    ("..", "document.pdf"), ("a\x00b.pdf", "a_b.pdf"),
])
def test_zip_entry_names_cannot_leave_the_extraction_directory(name, safe):
    assert safe_entry_name(name) == safe


def test_csv_cells_are_neutralised():
    assert [neutralise_cell(v) for v in ("=1+1", "+1", "-1", "@x", "\tx", "INV1")] == [
        "'=1+1", "'+1", "'-1", "'@x", "'\tx", "INV1"]


def test_capabilities_answer_without_lifespan(make_api):
    """httpx's ASGITransport runs no lifespan: the first request starts the mock."""
    api = make_api()
    assert api.client.get("/_mock/capabilities", headers=AUTH).json()["seeding"] is True


def test_capabilities_list_every_document_field_and_index_name(make_api):
    from bulkpdf_contract.mock.archive import INDEX_NAMES
    from bulkpdf_contract.mock.world import FIELDS

    capabilities = make_api().client.get("/_mock/capabilities", headers=AUTH).json()
    assert sorted(capabilities["documentFields"]) == sorted(FIELDS)
    assert capabilities["indexFileNames"] == INDEX_NAMES == {"JSON": "index.json", "CSV": "index.csv"}


def test_error_codes_are_the_resource_prefix_and_zuoras_category():
    from bulkpdf_contract.mock.errors import ErrorCategory, reason

    assert [c.value for c in ErrorCategory] == ["11", "20", "21", "22", "30", "40", "45", "50", "60", "61", "70", "90"]
    assert reason(ErrorCategory.INVALID_VALUE, "x") == {"code": "51580020", "message": "x"}  # Zuora's own code
    error = ApiError.with_reasons(400, [(ErrorCategory.MISSING_FIELD, "a"), (ErrorCategory.UNKNOWN_FIELD, "b")])
    assert error.status == 400 and [c.code for c, _ in error.reasons] == ["51580022", "51580021"]


def test_serve_with_oauth_clients_limits_and_a_token_lifetime(tmp_path):
    client_id, secret = "c" * 36, "a-secret"
    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "bulkpdf_contract.cli", "serve", "--port", str(port), "--data-dir", str(tmp_path),
         "--client", f"{client_id}:{secret}", "--token-ttl", "90", "--rate-limit", "50", "--concurrency-limit", "4"],
        stderr=subprocess.PIPE, text=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 20
        while True:
            try:
                token = httpx.post(f"{base}/oauth/token", data={
                    "client_id": client_id, "client_secret": secret, "grant_type": "client_credentials"})
                break
            except httpx.TransportError:
                assert proc.poll() is None and time.monotonic() < deadline, "serve did not start"
                time.sleep(0.1)
        assert token.status_code == 200 and token.json()["expires_in"] == 90
        bearer = {"Authorization": f"Bearer {token.json()['access_token']}"}
        created = httpx.post(f"{base}/v1/operations/bulk-pdf", json=seed_request(), headers=bearer)
        assert created.status_code == 200
        assert created.headers["RateLimit-Limit"] == "50" and created.headers["Concurrency-Limit-Limit"] == "4"
        # With --client and no --token, only issued tokens are accepted.
        assert httpx.post(f"{base}/v1/operations/bulk-pdf", json=seed_request(), headers=AUTH).status_code == 401
    finally:
        proc.terminate()
        _, err = proc.communicate(timeout=20)
    assert f"OAuth client(s): {client_id}" in err and "valid 90 s" in err
    assert "50 requests per minute, 4 in flight" in err
    assert secret not in err and "bearer token(s)" not in err


@pytest.mark.parametrize("args, message", [
    (["--client", "short:secret"], "at least 36"),
    (["--client", "c" * 36], "ID:SECRET"),
])
def test_serve_refuses_unusable_clients_with_exit_2(tmp_path, capsys, args, message):
    assert main(["serve", "--data-dir", str(tmp_path), *args]) == 2
    assert message in capsys.readouterr().err


@pytest.mark.parametrize("args", [["--token-ttl", "0"], ["--rate-limit", "0"], ["--concurrency-limit", "x"]])
def test_serve_refuses_bad_limits(tmp_path, capsys, args):
    assert main(["serve", "--data-dir", str(tmp_path), *args]) == 2
    assert "expected a positive" in capsys.readouterr().err
