"""``bulkpdf serve`` against Stoplight Prism mocking the same fragment, under the same wrk load.

Used by ``benchmarks/mock.py`` (part ``prism``). Prism (``@stoplight/prism-cli``, the mock
server most teams would pick instead) is installed on demand with npm into a scratch directory
(``$BULKPDF_CACHE_DIR`` or ``~/.cache/bulkpdf-contract/prism``); the load generator is wrk from
the system's packages (C, two threads: not the bottleneck, see the stack figures in mock.py).
Without npm or wrk the part says so and is skipped.

Both servers get the seed POST from 32 keep-alive connections. ``bulkpdf serve`` runs every job
(each POST's ZIP is written meanwhile by its job process on the same two cores); Prism only
validates and answers the schema's example. Prism is measured twice: as users run it (its
default ``info`` log, to a file) and at its fastest (``-v silent``).
"""

from __future__ import annotations

import os
import re
import shutil
import socket
import subprocess
import tempfile
import time
from pathlib import Path

PRISM_VERSION = "5.16.0"
TOKEN = "bench-token"
_RPS = re.compile(r"Requests/sec:\s+([\d.]+)")
_P99 = re.compile(r"^\s*99%\s+([\d.]+)(us|ms|s)\s*$", re.M)
_UNITS = {"us": 1e-3, "ms": 1.0, "s": 1e3}


def missing_tools() -> list[str]:
    return [tool for tool in ("wrk", "npm") if shutil.which(tool) is None]


def prism_binary() -> Path:
    base = Path(os.environ.get("BULKPDF_CACHE_DIR") or Path.home() / ".cache" / "bulkpdf-contract") / "prism"
    binary = base / "node_modules" / ".bin" / "prism"
    if not binary.exists():
        print(f"  (installing @stoplight/prism-cli@{PRISM_VERSION} with npm into {base})", flush=True)
        base.mkdir(parents=True, exist_ok=True)
        subprocess.run(["npm", "install", "--silent", "--no-audit", "--no-fund", "--prefix", str(base),
                        f"@stoplight/prism-cli@{PRISM_VERSION}"], check=True, stdout=subprocess.DEVNULL)
    return binary


def _free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def _wait(port: int, process: subprocess.Popen, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server on port {port} exited with {process.returncode}")
        with socket.socket() as sock:
            if sock.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise RuntimeError(f"nothing listens on port {port}")


def _lua(body: Path, directory: Path) -> Path:
    script = directory / "post.lua"
    script.write_text(
        'wrk.method = "POST"\n'
        'wrk.headers["Content-Type"] = "application/json"\n'
        f'wrk.headers["Authorization"] = "Bearer {TOKEN}"\n'
        f'local f = io.open("{body}", "r")\nwrk.body = f:read("*a")\nf:close()\n'
    )
    return script


def wrk(port: int, script: Path, seconds: int) -> tuple[float, float]:
    """(requests/s, p99 in ms) of ``seconds`` of load at 32 connections, after a 3 s warm-up."""
    url = f"http://127.0.0.1:{port}/v1/operations/bulk-pdf"
    subprocess.run(["wrk", "-t2", "-c32", "-d3s", "-s", str(script), url], check=True, capture_output=True)
    out = subprocess.run(["wrk", "-t2", "-c32", f"-d{seconds}s", "--latency", "-s", str(script), url],
                         check=True, capture_output=True, text=True).stdout
    if "Non-2xx" in out:
        raise RuntimeError(f"non-2xx answers under load:\n{out}")
    p99 = _P99.search(out)
    return float(_RPS.search(out).group(1)), float(p99.group(1)) * _UNITS[p99.group(2)]


def _measure(command: list[str], script: Path, seconds: int, log: Path) -> tuple[float, float]:
    port = _free_port()
    with open(log, "w") as out:
        process = subprocess.Popen([*command, "--port" if "serve" in command else "-p", str(port)],
                                   stdout=out, stderr=subprocess.STDOUT)
    try:
        _wait(port, process)
        return wrk(port, script, seconds)
    finally:
        process.terminate()
        process.wait(30)


def compare(bulkpdf: str, spec: Path, body: Path, rounds: int, seconds: int = 10) -> dict[str, tuple[float, float]]:
    """Best requests/s and best p99 of each server over ``rounds`` interleaved rounds."""
    prism = str(prism_binary())
    work = Path(tempfile.mkdtemp(prefix="bulkpdf-prism-"))
    script = _lua(body, work)
    commands = {
        "bulkpdf serve (jobs running)": lambda: [bulkpdf, "serve", "--token", TOKEN, "--log-level", "warning",
                                                  "--data-dir", tempfile.mkdtemp(dir=work)],
        "prism, default log": lambda: [prism, "mock", str(spec)],
        "prism -v silent": lambda: [prism, "mock", "-v", "silent", str(spec)],
    }
    best: dict[str, tuple[float, float]] = {}
    for _ in range(rounds):
        for name, command in commands.items():
            rps, p99 = _measure(command(), script, seconds, work / "server.log")
            old = best.get(name, (0.0, float("inf")))
            best[name] = (max(old[0], rps), min(old[1], p99))
    shutil.rmtree(work, ignore_errors=True)
    return best
