"""The gate against a stand-in for a live tenant (``live_front``: a closed-world mock with OAuth
clients only, its ``/_mock`` API hidden, some answers 429 and one valid token refused), over real
HTTP: it passes with client credentials, with and without ``--documents``, keeps ``--max-jobs``
(the tenant's own job count agrees), waits out every 429, and still catches broken variants of
the tenant. Runs are ``bulkpdf check`` in-process, so the front's counters can be read."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import xml.etree.ElementTree as ET
from dataclasses import dataclass

import pytest
from gate_variants import VARIANTS
from live_front import CLIENT_ID, CLIENT_SECRET, Front, closed_world_mock, documents_file, world

from bulkpdf_contract.cli import main
from bulkpdf_contract.gate.checks import DOMAIN_CHECKS
from bulkpdf_contract.gate.orchestrate import ALL_CHECKS, NEEDS_DOCUMENTS
from bulkpdf_contract.gate.registry import ARCHIVED, WITHOUT_PDF
from bulkpdf_contract.gate.schemathesis_run import SCHEMATHESIS_CHECKS
from bulkpdf_contract.mock import create_app, run_server
from bulkpdf_contract.spec import TOKEN_PATH

ALL_ROWS = len(ALL_CHECKS) + 1  # and the schemathesis_run row


@dataclass
class Run:
    code: int
    out: str
    statuses: dict[str, str]
    details: dict[str, str]
    jobs: int  # the jobs the tenant holds after the run

    def summary(self, what: str) -> str:
        return next(line for line in self.out.splitlines() if line.startswith(what))


def gate(front: Front, tmp_path, *args: str, credentials: bool = True, env: dict | None = None) -> Run:
    """``bulkpdf check`` in a subprocess (as a user runs it; a gate's two threads in the test
    process would also race pytest's import-time assertion rewriting) against the front, which
    runs here, so its counters can be read."""
    junit = tmp_path / "junit.xml"
    with run_server(front) as server:
        login = ["--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET] if credentials else []
        done = subprocess.run(
            [sys.executable, "-m", "bulkpdf_contract.cli", "check", "--url", server.url, *login, "--max-examples",
             "2", "--seed", "1", "-q", "--junit-xml", str(junit), *args],
            capture_output=True, text=True, timeout=300, env={**os.environ, **(env or {})})
        jobs = front.jobs()  # while the tenant is up
    code, out = done.returncode, done.stdout + done.stderr
    statuses, details = {}, {}
    if junit.exists():
        for case in ET.parse(junit).getroot().iter("testcase"):
            failure, skipped = case.find("failure"), case.find("skipped")
            statuses[case.get("name")] = "failed" if failure is not None else "skipped" if skipped is not None else "passed"
            details[case.get("name")] = (failure if failure is not None else skipped).get("message") \
                if failure is not None or skipped is not None else ""
    return Run(code, out, statuses, details, jobs)


def test_a_live_tenant_passes_with_client_credentials_and_documents(tmp_path):
    front = Front(closed_world_mock())
    run = gate(front, tmp_path, "--documents", str(documents_file(tmp_path, world())), "--max-jobs", "40")
    assert run.code == 0, run.out
    assert len(run.statuses) == ALL_ROWS and set(run.statuses.values()) == {"passed"}, run.statuses
    assert run.summary("jobs created:") == (
        f"jobs created: {run.jobs} (--max-jobs 40); 429s met: {front.limited} (waited 1.0s); tokens fetched: 2")
    assert front.limited >= 10 and front.refused == 1 and 0 < run.jobs <= 40
    assert run.details["rate_limit_hints"] == "" and "429s met" not in run.out.split("rate_limit_hints")[0]


def test_without_documents_what_needs_them_is_skipped_and_no_job_is_created(tmp_path):
    front = Front(closed_world_mock())
    run = gate(front, tmp_path)
    assert run.code == 0, run.out
    skipped = {name for name, status in run.statuses.items() if status == "skipped"}
    needs_documents = {"positive_data_acceptance", "exact_limits_accepted", "idempotent_replay", "job_completes",
                       "zip_names", "zip_documents", "zip_index", "gzip_honoured"}
    assert skipped == needs_documents | {"archived_documents", "missing_pdfs"}
    assert all(run.details[name] == NEEDS_DOCUMENTS for name in needs_documents)
    assert run.details["archived_documents"] == ARCHIVED.reason and run.details["missing_pdfs"] == WITHOUT_PDF.reason
    assert {name for name, status in run.statuses.items() if status == "passed"} >= {
        "track_id_echo", "edge_cases_rejected", "negative_data_rejection", "error_body_shape", "token_endpoint",
        "rate_limit_hints"}
    assert run.jobs == 0 and "jobs created: 0 (--max-jobs 10)" in run.out


def test_the_default_budget_of_a_url_is_kept(tmp_path):
    front = Front(closed_world_mock())
    run = gate(front, tmp_path, "--documents", str(documents_file(tmp_path, world())))
    assert run.code == 0, run.out
    created = run.jobs
    assert 0 < created <= 10 and run.summary("jobs created:").startswith(f"jobs created: {created} (--max-jobs 10)")
    left_out = {name for name, detail in run.details.items() if "past --max-jobs 10" in detail}
    assert left_out and left_out <= {c.name for c in DOMAIN_CHECKS if c.jobs or c.creates}
    assert "failed" not in run.statuses.values()


def test_a_closed_world_mock_that_seeds_passes_every_check(tmp_path):
    """``bulkpdf serve --documents FILE`` (the issue's example): the gate seeds the documents its
    requests name, and removes them afterwards."""
    mock = create_app(token="closed-token", documents=world())
    junit = tmp_path / "junit.xml"
    with run_server(mock) as server:
        done = subprocess.run(
            [sys.executable, "-m", "bulkpdf_contract.cli", "check", "--url", server.url, "--token", "closed-token",
             "--max-examples", "2", "--max-jobs", "1000", "-q", "--junit-xml", str(junit)],
            capture_output=True, text=True, timeout=300)
        jobs, seeded = server.state.count_jobs(), dict(server.state.world.seeded)
    assert done.returncode == 0, done.stdout + done.stderr
    statuses = {c.get("name"): c.find("failure") is None and c.find("skipped") is None
                for c in ET.parse(junit).getroot().iter("testcase")}
    assert len(statuses) == ALL_ROWS - 2 and all(statuses.values())  # no token or 429 rows: none to report
    assert f"jobs created: {jobs} (--max-jobs 1000)" in done.stdout and seeded == {}


def drop_error_reasons(app):
    """Error answers of the API without Zuora's reasons (a body a client cannot report)."""

    async def middleware(scope, receive, send):
        if scope["type"] != "http" or not scope["path"].startswith("/v1/"):
            return await app(scope, receive, send)
        start: dict = {}

        async def rewrite(message):
            if message["type"] == "http.response.start":
                start.update(message)
                if message["status"] < 400:
                    await send(message)
                return
            if start["status"] < 400:
                return await send(message)
            body = b'{"success": false}'
            headers = [(k, v) for k, v in start["headers"] if k.lower() not in (b"content-length", b"content-encoding")]
            await send({**start, "headers": headers + [(b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})

        await app(scope, receive, rewrite)

    return middleware


def capitalised_token_type(app):
    """Token answers with ``token_type: Bearer`` (the contract says ``bearer``)."""

    async def middleware(scope, receive, send):
        if scope["type"] != "http" or scope["path"] != TOKEN_PATH:
            return await app(scope, receive, send)
        start: dict = {}

        async def rewrite(message):
            if message["type"] == "http.response.start":
                start.update(message)
                return
            body = message.get("body", b"")
            if start["status"] == 200:
                body = json.dumps({**json.loads(body), "token_type": "Bearer"}).encode()
            headers = [(k, v) for k, v in start["headers"] if k.lower() != b"content-length"]
            await send({**start, "headers": headers + [(b"content-length", str(len(body)).encode())]})
            await send({"type": "http.response.body", "body": body})

        await app(scope, receive, rewrite)

    return middleware


@dataclass(frozen=True)
class LiveVariant:
    name: str
    front: callable
    caught_by: frozenset[str]
    documents: bool = True


LIVE_VARIANTS = tuple(
    LiveVariant(v.name, lambda wrap=v.wrap: Front(wrap(mock := closed_world_mock()), mock), v.caught_by)
    for v in VARIANTS if v.wrap is not None
) + (
    LiveVariant("drops-track-id-echo-without-documents", lambda: Front(
        next(v for v in VARIANTS if v.name == "drops-track-id-echo").wrap(mock := closed_world_mock()), mock),
        frozenset({"track_id_echo"}), documents=False),
    LiveVariant("429-without-a-hint", lambda: Front(closed_world_mock(), hints=False),
                frozenset({"rate_limit_hints"})),
    LiveVariant("429-without-a-hint-without-documents", lambda: Front(closed_world_mock(), hints=False),
                frozenset({"rate_limit_hints"}), documents=False),
    LiveVariant("error-bodies-without-reasons", lambda: Front(drop_error_reasons(mock := closed_world_mock()), mock),
                frozenset({"error_body_shape"}), documents=False),
    LiveVariant("capitalised-token-type", lambda: Front(capitalised_token_type(mock := closed_world_mock()), mock),
                frozenset({"token_endpoint"})),
)


def family(variant: LiveVariant) -> list[str]:
    """The checks of the family that covers the variant's rule (the run rows always come along)."""
    if variant.caught_by & set(SCHEMATHESIS_CHECKS):
        return [*SCHEMATHESIS_CHECKS, "token_endpoint", "rate_limit_hints"]
    return [c.name for c in DOMAIN_CHECKS] + ["token_endpoint", "rate_limit_hints"]


def check_caught(variant: LiveVariant, tmp_path, checks: list[str]) -> None:
    front = variant.front()
    documents = ["--documents", str(documents_file(tmp_path, world()))] if variant.documents else []
    run = gate(front, tmp_path, *documents, "--max-jobs", "100", *(["--checks", *checks] if checks else []))
    failed = {name for name, status in run.statuses.items() if status == "failed"}
    assert run.code == 1, run.out
    assert failed & variant.caught_by, f"{variant.name}: failed {sorted(failed)}\n{run.out}"
    assert run.jobs <= 100


QUICK = {"drops-track-id-echo", "drops-track-id-echo-without-documents", "accepts-33-char-fileName",
         "accepts-duplicate-object-ids", "new-job-on-replay", "429-without-a-hint-without-documents",
         "error-bodies-without-reasons", "capitalised-token-type"}
"""The variants the default run proves (the closed-world and live-only rules); the others are
caught by the same checks as against the open mock (tests/gate/test_broken_servers.py), and run
with ``-m slow``."""


@pytest.mark.parametrize("variant", [
    pytest.param(v, id=v.name, marks=() if v.name in QUICK else pytest.mark.slow) for v in LIVE_VARIANTS])
def test_a_broken_tenant_is_caught(variant, tmp_path):
    check_caught(variant, tmp_path, family(variant))


@pytest.mark.slow
@pytest.mark.parametrize("variant", LIVE_VARIANTS, ids=[v.name for v in LIVE_VARIANTS])
def test_the_whole_gate_catches_a_broken_tenant(variant, tmp_path):
    check_caught(variant, tmp_path, [])


def test_credentials_come_from_the_environment_and_refused_ones_exit_2(tmp_path):
    front = Front(closed_world_mock(), every=10**6, refuse_once_at=None)
    credentials = {"BULKPDF_CLIENT_ID": CLIENT_ID, "BULKPDF_CLIENT_SECRET": CLIENT_SECRET}
    run = gate(front, tmp_path, "--checks", "error_body_shape", credentials=False, env=credentials)
    assert run.code == 0 and "tokens fetched: 1" in run.out
    refused = gate(front, tmp_path, "--checks", "error_body_shape", credentials=False,
                   env={**credentials, "BULKPDF_CLIENT_SECRET": "not-the-secret"})
    assert refused.code == 2
    assert "server unreachable: no token for the client credentials" in refused.out and "(401)" in refused.out
    assert "not-the-secret" not in refused.out


@pytest.mark.parametrize("argv, message", [
    (["--client-id", CLIENT_ID], "come as a pair: the client secret is missing"),
    (["--client-secret", "s"], "come as a pair: the client ID is missing"),
    (["--documents", "/no/such/file.yaml"], "expected a readable file"),
    (["--max-jobs", "0"], "expected a positive integer, got '0'"),
    (["--token-url", "localhost/oauth/token"], "expected an http:// or https:// base URL"),
])
def test_usage_errors_of_live_mode_exit_2(capsys, argv, message, monkeypatch):
    monkeypatch.delenv("BULKPDF_CLIENT_ID", raising=False)
    monkeypatch.delenv("BULKPDF_CLIENT_SECRET", raising=False)
    assert main(["check", *argv]) == 2
    assert message in capsys.readouterr().err


def test_an_unusable_documents_file_exits_2(capsys, tmp_path):
    path = tmp_path / "documents.yaml"
    path.write_text("- {id: not-an-id}\n")
    assert main(["check", "--documents", str(path)]) == 2
    assert "32 hexadecimal" in capsys.readouterr().err


def test_the_embedded_mock_becomes_the_documents_world_and_gets_the_client(capsys, tmp_path):
    path = documents_file(tmp_path, world(normal=6))
    code = main(["check", "--documents", str(path), "--client-id", CLIENT_ID, "--client-secret", CLIENT_SECRET,
                 "--max-examples", "2", "-q", "--checks", "job_completes", "zip_documents", "zip_index",
                 "archived_documents", "missing_pdfs", "token_endpoint"])
    out = capsys.readouterr().out
    assert code == 0, out
    assert "6 passed, 0 failed, 0 skipped" in out and "large (6 documents)" in out
    assert "tokens fetched: 1" in out
