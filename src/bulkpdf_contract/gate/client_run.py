"""One scenario of ``bulkpdf check-client``: a fresh embedded mock set up for it, the client's
command run once against it, and the evidence gathered for the judgements (:class:`ClientRun`).

The command gets the mock through the environment (``BULKPDF_URL``, the credentials,
``BULKPDF_REQUEST``, ``BULKPDF_OUTPUT``; inherited ``BULKPDF_*`` variables are removed so nothing
of the caller's leaks in) and runs in its own process group, so a timeout stops everything it
started. What the mock wrote (the job's ZIPs, their digests and PDFs) is read before the mock
stops, since its data directory goes with it.
"""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import signal
import subprocess
import tempfile
import threading
import time
import uuid
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Sequence

from ..mock import start_server
from ..mock.journal import Entries
from ..spec import TOKEN_PATH, Contract, load_contract
from .client_scenarios import Scenario

OUTPUT_TAIL_BYTES = 16384


class CommandError(Exception):
    """The command cannot be started at all (not found, not executable)."""


@dataclass(frozen=True)
class ExpectedZip:
    """A ZIP of the job as the mock wrote it: what the client's copy must equal."""

    name: str
    size: int
    sha256: str
    pdfs: tuple[str, ...]


@dataclass(frozen=True)
class OutputFile:
    """One entry of the client's output directory, read before the directory goes."""

    name: str
    is_dir: bool
    size: int = 0
    sha256: str = ""
    pdfs: tuple[str, ...] | None = None  # None: not a readable ZIP


def _read_output(path: Path) -> OutputFile:
    if not path.is_file():
        return OutputFile(path.name, True)
    data = path.read_bytes()
    try:
        with zipfile.ZipFile(path) as archive:
            pdfs: tuple[str, ...] | None = _pdfs(archive)
    except (zipfile.BadZipFile, OSError, ValueError):
        pdfs = None
    return OutputFile(path.name, False, len(data), hashlib.sha256(data).hexdigest(), pdfs)


def _pdfs(archive: zipfile.ZipFile) -> tuple[str, ...]:
    return tuple(n for n in archive.namelist() if n.lower().endswith(".pdf"))


@dataclass
class ClientRun:
    """What one run of the client left: its exit, its output, the mock's journal and job."""

    scenario: Scenario
    auth: str
    contract: Contract
    command: tuple[str, ...]
    exit_code: int | None = None  # None: killed at the timeout
    timeout: float = 0.0
    duration: float = 0.0
    stderr: str = ""
    stdout: str = ""
    entries: Entries = field(default_factory=Entries)
    output: list[OutputFile] = field(default_factory=list)  # what the output directory holds
    job: str | None = None  # the first job the client created
    job_status: str | None = None
    expected_zips: list[ExpectedZip] = field(default_factory=list)
    expected_pdfs: frozenset[str] = frozenset()

    @property
    def timed_out(self) -> bool:
        return self.exit_code is None


class _Tail(threading.Thread):
    """Reads a pipe to its end, keeping the last bytes (a chatty client cannot fill memory)."""

    def __init__(self, pipe):
        super().__init__(daemon=True)
        self.pipe, self.data = pipe, b""
        self.start()

    def run(self) -> None:
        while chunk := self.pipe.read(65536):
            self.data = (self.data + chunk)[-OUTPUT_TAIL_BYTES:]

    def text(self) -> str:
        self.join(5)
        return self.data.decode("utf-8", "replace")


def client_environment(base: dict[str, str], values: dict[str, str]) -> dict[str, str]:
    """The caller's environment without its ``BULKPDF_*`` variables, plus the scenario's."""
    return {**{k: v for k, v in base.items() if not k.startswith("BULKPDF_")}, **values}


def _start(command: Sequence[str], env: dict[str, str]) -> subprocess.Popen:
    """COMMAND as typed: in the caller's working directory."""
    try:
        return subprocess.Popen(list(command), env=env, stdin=subprocess.DEVNULL, stdout=subprocess.PIPE,
                                stderr=subprocess.PIPE, start_new_session=os.name != "nt")
    except OSError as exc:
        raise CommandError(f"cannot start {command[0]!r}: {exc.strerror or exc}") from None


def _stop(process: subprocess.Popen) -> None:
    """Kill the command and everything it started (its process group; nothing, when all of it
    has already ended)."""
    try:
        if os.name != "nt":
            os.killpg(process.pid, signal.SIGKILL)
        else:
            process.kill()
    except OSError:
        pass
    process.wait(10)


def run_client(scenario: Scenario, command: Sequence[str], *, auth: str, timeout: float) -> ClientRun:
    """Run ``command`` once against a mock set up for ``scenario`` and gather the evidence."""
    contract = load_contract()
    run = ClientRun(scenario, auth, contract, tuple(command), timeout=timeout)
    with tempfile.TemporaryDirectory(prefix=f"bulkpdf-client-{scenario.name}-") as work:
        work_dir = Path(work)
        request = work_dir / "request.json"
        request.write_text(json.dumps(scenario.request), encoding="utf-8")
        output = work_dir / "output"
        output.mkdir()
        credentials, access = _credentials(auth)
        server = start_server(**access, faults=list(scenario.faults), **scenario.settings)
        try:
            if auth == "oauth":
                credentials["BULKPDF_TOKEN_URL"] = server.url + TOKEN_PATH
            env = client_environment(dict(os.environ), {
                "BULKPDF_URL": server.url, **credentials,
                "BULKPDF_REQUEST": str(request), "BULKPDF_OUTPUT": str(output),
            })
            started = time.monotonic()
            process = _start(command, env)
            out, err = _Tail(process.stdout), _Tail(process.stderr)
            try:
                run.exit_code = process.wait(timeout)
            except subprocess.TimeoutExpired:
                pass
            finally:  # at the timeout, on Ctrl-C, and whatever the command left running
                _stop(process)
            run.duration = time.monotonic() - started
            run.stdout, run.stderr = out.text(), err.text()
            run.output = [_read_output(p) for p in sorted(output.iterdir())]
            _gather(run, server.state)
        finally:
            server.stop()
    return run


def _credentials(auth: str) -> tuple[dict[str, str], dict[str, Any]]:
    """Fresh credentials for one run: the client's variables and the mock's settings. With
    OAuth the mock accepts no static token, only the tokens it issues to this client."""
    if auth == "oauth":
        client_id, secret = str(uuid.uuid4()), secrets.token_urlsafe(24)
        return ({"BULKPDF_CLIENT_ID": client_id, "BULKPDF_CLIENT_SECRET": secret},
                {"token": [], "clients": {client_id: secret}})
    token = secrets.token_urlsafe(24)
    return {"BULKPDF_TOKEN": token}, {"token": token}


def _gather(run: ClientRun, state: Any) -> None:
    """The journal and the first created job's ZIPs, from the live mock."""
    run.entries = state.journal.entries()
    created = run.entries.jobs_created()
    if not created:
        return
    run.job = created[0]
    job = state.storage.job(run.job, documents=True)
    run.job_status = job["status"]
    for record in state.storage.files(run.job):
        served = _read_output(state.data_dir / record["path"])
        run.expected_zips.append(ExpectedZip(record["name"], served.size, served.sha256, served.pdfs or ()))
    left_out = {(g["docType"], i) for key in ("skipped", "failed") for g in job[key] or () for i in g["objectIds"]}
    run.expected_pdfs = frozenset(
        state.world.get(object_id, doc_type).pdfFileName
        for doc_type, object_id in job["documents"] if (doc_type, object_id) not in left_out
    )
