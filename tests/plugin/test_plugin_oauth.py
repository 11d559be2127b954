"""The plugin's live options: OAuth client credentials (``--bulkpdf-client-id`` and
``--bulkpdf-client-secret``, env and ini too) and ``--bulkpdf-documents``, for the embedded mock
and for a live server (a closed-world mock with OAuth clients only, over real HTTP)."""

from __future__ import annotations

import pytest
import yaml

from bulkpdf_contract.mock import run_server

pytest_plugins = ["pytester"]

CLIENT_ID = "0f1e2d3c-4b5a-4968-8776-a5b4c3d2e1f0"
SECRET = "plugin-secret"
DOCUMENTS = [{"docType": "Invoice", "id": f"{n:032x}", "pdfFileName": f"P-{n}.pdf"} for n in range(1, 4)] + [
    {"docType": "Invoice", "id": "e" * 32, "exists": False}]

EXPORT = """
def test_export_with_the_documents_the_server_holds(bulkpdf_server, bulkpdf_client):
    assert bulkpdf_server.tokens is not None and bulkpdf_server.tokens.oauth
    assert [d["id"] for d in bulkpdf_server.existing_documents] == [f"{n:032x}" for n in range(1, 4)]
    body = {"documents": [{"docType": "Invoice", "objectIds": [d["id"] for d in bulkpdf_server.existing_documents]}],
            "fileName": "plugin-oauth", "indexFileFormat": "JSON"}
    export = bulkpdf_client.export(body)
    assert export.status == "Completed"
    assert sorted(n for n in export.names() if n.endswith(".pdf")) == ["P-1.pdf", "P-2.pdf", "P-3.pdf"]
    assert bulkpdf_server.headers["Authorization"] != "Bearer bulkpdf-test-token"
    print(f"\\nFETCHED {bulkpdf_server.tokens.fetched}")
"""


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in ("BULKPDF_URL", "BULKPDF_TOKEN", "BULKPDF_CLIENT_ID", "BULKPDF_CLIENT_SECRET", "BULKPDF_DOCUMENTS"):
        monkeypatch.delenv(name, raising=False)


@pytest.fixture
def documents_path(pytester):
    path = pytester.path / "documents.yaml"
    path.write_text(yaml.safe_dump({"documents": DOCUMENTS}))
    return path


def test_the_embedded_mock_gets_the_client_and_the_documents(pytester, documents_path):
    pytester.makepyfile(EXPORT + """
def test_the_embedded_world_is_the_documents_file(bulkpdf_client):
    body = {"documents": [{"docType": "Invoice", "objectIds": ["9" * 32]}], "fileName": "x", "indexFileFormat": "JSON"}
    assert bulkpdf_client.create_job(body).status_code == 400  # closed: not in the file
""")
    result = pytester.runpytest("-s", "--bulkpdf-client-id", CLIENT_ID, "--bulkpdf-client-secret", SECRET,
                                "--bulkpdf-documents", str(documents_path))
    result.assert_outcomes(passed=2)
    result.stdout.fnmatch_lines([f"bulkpdf: embedded mock, oauth_client={CLIENT_ID}, documents=*documents.yaml",
                                 "*FETCHED 1*"])


def test_a_live_server_with_client_credentials_from_the_environment_and_documents_from_ini(
        pytester, documents_path, monkeypatch, tmp_path):
    monkeypatch.setenv("BULKPDF_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("BULKPDF_CLIENT_SECRET", SECRET)
    pytester.makeini(f"[pytest]\nbulkpdf_documents = {documents_path}\n")
    pytester.makepyfile(EXPORT)
    with run_server(data_dir=tmp_path / "live", token=(), clients={CLIENT_ID: SECRET}, documents=DOCUMENTS) as live:
        result = pytester.runpytest("-s", "--bulkpdf-url", live.url)
    result.assert_outcomes(passed=1)
    result.stdout.fnmatch_lines([f"bulkpdf: live {live.url}*oauth_client={CLIENT_ID}*", "*FETCHED 1*"])


def test_mock_only_tests_run_against_a_live_mock_reached_with_oauth(pytester, tmp_path):
    pytester.makepyfile("""
import pytest

@pytest.mark.bulkpdf(mock_only=True)
def test_needs_the_mock(bulkpdf_server):
    assert bulkpdf_server.supports_seeding()
""")
    with run_server(data_dir=tmp_path / "live", token=(), clients={CLIENT_ID: SECRET}) as live:
        result = pytester.runpytest("--bulkpdf-url", live.url, "--bulkpdf-client-id", CLIENT_ID,
                                    "--bulkpdf-client-secret", SECRET)
    result.assert_outcomes(passed=1)


@pytest.mark.parametrize("args, message", [
    (["--bulkpdf-client-id", CLIENT_ID], "*OAuth client credentials come as a pair: the client secret is missing*"),
    (["--bulkpdf-client-secret", SECRET], "*come as a pair: the client ID is missing*"),
    (["--bulkpdf-documents", "/no/such.yaml"], "*--bulkpdf-documents: expected a readable file, got '/no/such.yaml'*"),
])
def test_bad_live_options_are_usage_errors(pytester, args, message):
    pytester.makepyfile("def test_nothing():\n    pass\n")
    result = pytester.runpytest(*args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])


def test_options_the_plugin_sets_may_not_come_from_mock_options_too(pytester, documents_path):
    pytester.makeconftest("""
import pytest

@pytest.fixture(scope="session")
def bulkpdf_mock_options():
    return {"documents": [], "clients": {}}
""")
    pytester.makepyfile("def test_server(bulkpdf_server):\n    pass\n")
    result = pytester.runpytest("--bulkpdf-documents", str(documents_path), "--bulkpdf-client-id", CLIENT_ID,
                                "--bulkpdf-client-secret", SECRET)
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*bulkpdf_mock_options may not set clients, documents*"])
