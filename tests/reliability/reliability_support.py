"""Shared pieces of the reliability tests: the scale switch, figures, a ``bulkpdf serve``
subprocess, raw HTTP exchanges and the checks every answer and every ZIP must pass.

The server runs in its own process so that it can be killed with ``kill -9``, its memory read
from ``/proc/<pid>/status`` and its load not shared with the client's interpreter.
"""

from __future__ import annotations

import csv
import http.client
import io
import os
import re
import select
import signal
import socket
import sqlite3
import subprocess
import sys
import time
import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Iterable, Sequence

import httpx
import orjson

from bulkpdf_contract.client import BulkPdfClient
from bulkpdf_contract.mock import DEFAULT_TOKEN
from bulkpdf_contract.validators import validate_response

SCALE_ENV = "BULKPDF_RELIABILITY_SCALE"
FULL = os.environ.get(SCALE_ENV, "").strip().lower() == "full"
AUTH = {"Authorization": f"Bearer {DEFAULT_TOKEN}"}
FINAL = {"Completed", "PartialComplete", "Error", "Aborted", "Cancelled"}

FIGURES: list[tuple[str, str]] = []
"""``(name, value)`` lines printed in pytest's terminal summary (see conftest.py)."""


def scaled(ci: Any, full: Any) -> Any:
    """The bounded CI value, or the full one with ``BULKPDF_RELIABILITY_SCALE=full``."""
    return full if FULL else ci


def figure(name: str, value: str) -> None:
    FIGURES.append((name, value))


def percentile(values: Sequence[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, round(q / 100 * len(ordered) + 0.5) - 1))]


def ids(n: int, start: int = 1) -> list[str]:
    return [f"{i:032x}" for i in range(start, start + n)]


def job_body(n: int, file_name: str, *, start: int = 1, index: str = "CSV", **extra: Any) -> dict[str, Any]:
    return {"documents": [{"docType": "Invoice", "objectIds": ids(n, start)}],
            "fileName": file_name, "indexFileFormat": index, **extra}


# -- the server process ------------------------------------------------------------------------
def _serve_command() -> list[str]:
    script = Path(sys.executable).with_name("bulkpdf")
    if script.is_file():
        return [str(script), "serve"]
    return [sys.executable, "-m", "bulkpdf_contract.cli", "serve"]


def file_size_limit(limit: int) -> list[str]:
    """A ``start_serve`` prefix: no file of the server (or its children) may exceed ``limit``
    bytes; writes beyond it fail with EFBIG (SIGXFSZ is ignored, which survives ``exec``)."""
    code = ("import os, resource, signal, sys\n"
            f"resource.setrlimit(resource.RLIMIT_FSIZE, ({limit}, {limit}))\n"
            "signal.signal(signal.SIGXFSZ, signal.SIG_IGN)\n"
            "os.execv(sys.argv[1], sys.argv[1:])\n")
    return [sys.executable, "-c", code]


@dataclass
class Serve:
    """``bulkpdf serve`` in a subprocess on a free 127.0.0.1 port, its output in ``log``."""

    data_dir: Path
    log: Path
    process: subprocess.Popen = field(repr=False)
    url: str = ""

    @property
    def pid(self) -> int:
        return self.process.pid

    def alive(self) -> bool:
        return self.process.poll() is None

    def memory_kib(self) -> dict[str, int]:
        """``VmRSS`` and ``VmHWM`` (peak resident set) of the server process, in KiB."""
        out = {}
        for line in Path(f"/proc/{self.pid}/status").read_text().splitlines():
            name, _, value = line.partition(":")
            if name in ("VmRSS", "VmHWM"):
                out[name] = int(value.split()[0])
        return out

    def kill9(self) -> None:
        os.kill(self.pid, signal.SIGKILL)
        self.process.wait(10)

    def stop(self) -> None:
        if self.alive():
            self.process.send_signal(signal.SIGINT)
            try:
                self.process.wait(15)
            except subprocess.TimeoutExpired:
                self.kill9()

    def client(self, **kwargs: Any) -> BulkPdfClient:
        """The project's client (bearer token set; ``.wait(job_id, timeout)`` polls to the end)."""
        return BulkPdfClient(self.url, DEFAULT_TOKEN, **kwargs)

    def output(self) -> str:
        return self.log.read_text(errors="replace")


def start_serve(
    data_dir: Path, *args: str, log: Path | None = None, prefix: Sequence[str] = (), timeout: float = 30.0
) -> Serve:
    """Start ``bulkpdf serve --port 0 --data-dir DATA_DIR ARGS...`` and wait until it listens.

    ``prefix``: a command that sets the process up and executes the rest (same PID), e.g.
    :func:`file_size_limit`."""
    log = log or data_dir.with_name(data_dir.name + f"-serve-{time.monotonic_ns()}.log")
    with open(log, "wb") as out:
        process = subprocess.Popen(
            [*prefix, *_serve_command(), "--host", "127.0.0.1", "--port", "0", "--data-dir", str(data_dir), *args],
            stdin=subprocess.DEVNULL, stdout=out, stderr=subprocess.STDOUT,
        )
    server = Serve(data_dir, log, process)
    deadline = time.monotonic() + timeout
    while True:
        found = re.search(r"bulkpdf mock server: (http://127\.0\.0\.1:[1-9]\d*)", server.output())
        if found and _answers(found.group(1)):
            server.url = found.group(1)
            return server
        if not server.alive() or time.monotonic() > deadline:
            server.stop()
            raise RuntimeError(f"bulkpdf serve did not start:\n{server.output()}")
        time.sleep(0.05)


def _answers(url: str) -> bool:
    try:
        httpx.get(url + "/_mock/capabilities", timeout=5)
    except httpx.TransportError:
        return False
    return True


def count_jobs(data_dir: Path, where: str = "", params: tuple = ()) -> int:
    """Jobs in the mock's database (read directly: the API has no job listing)."""
    conn = sqlite3.connect(data_dir / "mock.sqlite3", timeout=30)
    try:
        return conn.execute(f"SELECT count(*) FROM jobs {where}", params).fetchone()[0]
    finally:
        conn.close()


# -- answers -----------------------------------------------------------------------------------
def assert_zuora_error(status: int, headers: Any, body: bytes, *, method: str = "POST") -> dict[str, Any]:
    """Zuora's error body (``success: false``, ``reasons[{code, message}]``), valid per the spec."""
    payload = orjson.loads(body)
    assert payload["success"] is False, payload
    assert payload["reasons"] and all(r["code"] and r["message"] for r in payload["reasons"]), payload
    findings = validate_response(status, body, dict(headers.items()), method=method)
    assert findings == [], (status, payload, findings)
    return payload


@dataclass
class RawResponse:
    status: int
    headers: http.client.HTTPMessage
    body: bytes
    raw_head: bytes
    reset: bool  # the server reset the connection (it closed with request bytes unread)


def raw_exchange(
    url: str, head: bytes, body: Iterable[bytes] | bytes = (), *, timeout: float = 30.0
) -> RawResponse:
    """Send ``head`` and then ``body`` chunks on a plain socket until the server answers.

    A server may answer (413, 400) before it has read the whole body; sending stops as soon as
    the answer starts arriving, so a refused 50 MB upload never blocks the test. The answer is
    read until the connection closes or ``Content-Length`` bytes have arrived.
    """
    host, port = url.removeprefix("http://").rsplit(":", 1)
    deadline = time.monotonic() + timeout
    received = bytearray()
    reset = False
    with socket.create_connection((host, int(port)), timeout=timeout) as sock:
        chunks = iter([head, body] if isinstance(body, (bytes, bytearray)) else [head, *body])
        buffer = memoryview(b"")
        sock.setblocking(False)
        while True:
            if not buffer:
                chunk = next(chunks, None)
                if chunk is None:
                    break
                buffer = memoryview(chunk)
            remaining = deadline - time.monotonic()
            assert remaining > 0, "the server neither read the request nor answered"
            readable, writable, _ = select.select([sock], [sock], [], remaining)
            if readable:
                break
            if writable:
                try:
                    sent = sock.send(buffer[:262144])
                except (BrokenPipeError, ConnectionResetError):
                    break
                buffer = buffer[sent:]
        sock.setblocking(True)
        while True:
            sock.settimeout(max(0.05, deadline - time.monotonic()))
            try:
                data = sock.recv(65536)
            except ConnectionResetError:
                reset = True
                break
            except socket.timeout:
                raise AssertionError(f"no complete answer in {timeout} s: {bytes(received[:300])!r}") from None
            if not data:
                break
            received += data
            if _complete(received):
                break
    raw_head, _, rest = bytes(received).partition(b"\r\n\r\n")
    assert raw_head.startswith(b"HTTP/1.1 "), f"no HTTP answer: {bytes(received[:300])!r}"
    status_line, _, header_block = raw_head.partition(b"\r\n")
    headers = http.client.parse_headers(io.BytesIO(header_block + b"\r\n\r\n"))
    length = headers.get("content-length")
    assert "chunked" not in headers.get("transfer-encoding", ""), "chunked answers are not expected"
    if length is not None:
        assert len(rest) >= int(length) or reset, "the answer was cut short"
        rest = rest[: int(length)]
    return RawResponse(int(status_line.split()[1]), headers, rest, raw_head + b"\r\n\r\n", reset)


def _complete(received: bytearray) -> bool:
    end = received.find(b"\r\n\r\n")
    if end < 0:
        return False
    found = re.search(rb"(?im)^content-length:\s*(\d+)\s*$", bytes(received[:end]))
    return found is not None and len(received) - end - 4 >= int(found.group(1))


def http_head(method: str, path: str, headers: Sequence[tuple[str, str]] | Sequence[tuple[bytes, bytes]],
              content_length: int | None = None) -> bytes:
    lines = [f"{method} {path} HTTP/1.1".encode(), b"Host: 127.0.0.1", b"Connection: close"]
    for name, value in headers:
        name = name.encode("latin-1") if isinstance(name, str) else name
        value = value.encode("latin-1") if isinstance(value, str) else value
        lines.append(name + b": " + value)
    if content_length is not None:
        lines.append(b"Content-Length: " + str(content_length).encode())
    return b"\r\n".join(lines) + b"\r\n\r\n"


# -- ZIPs --------------------------------------------------------------------------------------
_SAFE_ENTRY = re.compile(r"[^\x00-\x1f\x7f/\\:]+")


def read_index(archive: zipfile.ZipFile) -> list[dict[str, str]]:
    names = archive.namelist()
    if "index.csv" in names:
        text = archive.read("index.csv").decode("utf-8")
        return list(csv.DictReader(io.StringIO(text, newline="")))
    if "index.json" in names:
        return orjson.loads(archive.read("index.json"))["_metadata"]
    return []


def unneutralised(value: str) -> str:
    return value[1:] if value[:2] in ("'=", "'+", "'-", "'@", "'\t", "'\r") else value


def check_zip(content: bytes) -> tuple[zipfile.ZipFile, list[dict[str, str]]]:
    """A complete ZIP: it opens, every member's CRC is right, every entry name is a plain
    name, the index lists exactly the PDFs in the archive, and every PDF is a whole PDF."""
    archive = zipfile.ZipFile(io.BytesIO(content))
    assert archive.testzip() is None
    names = archive.namelist()
    for name in names:
        assert _SAFE_ENTRY.fullmatch(name) and name.strip(".") and not name.startswith(" "), name
    pdfs = [n for n in names if n not in ("index.csv", "index.json")]
    rows = read_index(archive)
    if rows:
        assert [unneutralised(r["pdfFileName"]) for r in rows] == pdfs
    for name in pdfs:
        data = archive.read(name)
        assert data.startswith(b"%PDF-") and data.rstrip().endswith(b"%%EOF"), name
    return archive, rows


def download_all(job: dict[str, Any], client: httpx.Client | None = None) -> list[tuple[zipfile.ZipFile, list]]:
    out = []
    get = client.get if client is not None else httpx.get
    for url in job["fileUrls"]:
        response = get(url)
        assert response.status_code == 200, response.text
        assert int(response.headers["content-length"]) == len(response.content)
        out.append(check_zip(response.content))
    return out


def data_tree(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*"))
