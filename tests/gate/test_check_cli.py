"""``bulkpdf check`` as a command: exit codes, usage errors, unreachable servers, output files."""

from __future__ import annotations

import socket
import xml.etree.ElementTree as ET

import pytest

from bulkpdf_contract.cli import main
from bulkpdf_contract.gate.checks import DOMAIN_CHECKS
from bulkpdf_contract.gate.orchestrate import ALL_CHECKS
from bulkpdf_contract.gate.registry import ARCHIVED, WITHOUT_PDF
from bulkpdf_contract.mock import create_app, run_server

TOKEN = "cli-test-token"
QUICK = ["track_id_echo", "idempotent_replay"]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


@pytest.fixture(scope="module")
def server():
    with run_server(token=TOKEN) as running:
        yield running


def test_help_lists_every_check(capsys):
    assert main(["check", "--help"]) == 0
    out = capsys.readouterr().out
    for name in ALL_CHECKS:
        assert name in out


@pytest.mark.parametrize("argv, message", [
    (["--checks", "track_id_echo,no_such_check"], "unknown check(s): no_such_check"),
    (["--url", "localhost:8080"], "--url must start with http:// or https://"),
    (["--max-examples", "0"], "expected a positive integer, got '0'"),
    (["--job-timeout", "-1"], "expected a positive number of seconds, got '-1'"),
])
def test_usage_errors_exit_2(capsys, argv, message):
    assert main(["check", *argv]) == 2
    assert message in capsys.readouterr().err


def test_an_unreachable_server_exits_2_with_a_clear_message(capsys):
    url = f"http://127.0.0.1:{free_port()}"
    assert main(["check", "--url", url]) == 2
    err = capsys.readouterr().err
    assert f"server unreachable: cannot reach {url}" in err
    assert "Traceback" not in err


def test_a_refused_token_exits_2(server, capsys):
    assert main(["check", "--url", server.url, "--token", "not-the-token"]) == 2
    assert "refused the bearer token (401)" in capsys.readouterr().err


def test_a_passing_run_exits_0_and_writes_junit(server, tmp_path, capsys):
    junit = tmp_path / "report.xml"
    assert main(["check", "--url", server.url, "--token", TOKEN, "--checks", *QUICK, "--junit-xml", str(junit)]) == 0
    captured = capsys.readouterr()
    assert "2 passed, 0 failed, 0 skipped" in captured.out
    assert "domain       track_id_echo" in captured.err  # progress goes to stderr
    names = [c.get("name") for c in ET.parse(junit).getroot().iter("testcase")]
    assert names == QUICK


def test_the_token_can_come_from_the_environment(server, monkeypatch, capsys):
    monkeypatch.setenv("BULKPDF_TOKEN", TOKEN)
    assert main(["check", "--url", server.url, "--checks", "track_id_echo", "-q"]) == 0
    assert capsys.readouterr().err == ""


def test_without_url_the_embedded_mock_is_checked(capsys):
    assert main(["check", "--checks", *QUICK, "zip_names"]) == 0
    captured = capsys.readouterr()
    assert "embedded mock server: http://127.0.0.1:" in captured.err
    assert "3 passed" in captured.out


def test_checks_needing_documents_are_skipped_on_a_server_that_cannot_seed(capsys, tmp_path):
    mock = create_app(token=TOKEN)

    async def no_seeding(scope, receive, send):
        if scope["type"] == "http" and scope["path"] in ("/_mock/capabilities", "/_mock/documents"):
            await send({"type": "http.response.start", "status": 404, "headers": []})
            await send({"type": "http.response.body", "body": b""})
            return
        await mock(scope, receive, send)

    special = [c.name for c in DOMAIN_CHECKS if {ARCHIVED, WITHOUT_PDF} & set(c.needs)]
    assert special == ["archived_documents", "missing_pdfs"]
    documents = tmp_path / "documents.yaml"  # documents the (open-world) mock holds
    documents.write_text("documents:\n" + "".join(f"  - {{id: '{n:032x}'}}\n" for n in range(1, 6)))
    with run_server(no_seeding) as running:
        code = main(["check", "--url", running.url, "--token", TOKEN, "--checks", *special, "zip_documents"])
        out = capsys.readouterr().out
        with_documents = main(["check", "--url", running.url, "--token", TOKEN, "--documents", str(documents),
                               "--checks", *special, "zip_documents"])
        out_with_documents = capsys.readouterr().out
    assert code == 0 and with_documents == 0
    for name in special:
        for report in (out, out_with_documents):
            row = next(line for line in report.splitlines() if line.startswith(name))
            assert "SKIPPED" in row and "seeds documents" in row
    row = next(line for line in out.splitlines() if line.startswith("zip_documents"))
    assert "SKIPPED" in row and "needs --documents for a server that cannot be seeded" in row
    assert "0 passed, 0 failed, 3 skipped" in out
    assert "1 passed, 0 failed, 2 skipped" in out_with_documents
    assert "jobs created: 3 (--max-jobs 10)" in out_with_documents  # the three output jobs
