"""``bulkpdf check`` against a plain ``schemathesis run`` of the same spec, server and examples.

Both run as subprocesses against the mock server (``bulkpdf serve`` in its own process, a fresh
data directory for every run so no run inherits another's jobs), with the same seed, the same
``--max-examples``, the same seven checks and the same bearer token. Runs alternate (baseline,
gate, baseline, gate, ...) and the median of each is compared, so load that comes and goes on the
machine hits both sides alike.

- baseline: ``schemathesis run SPEC --url URL -H 'Authorization: Bearer T' -n N --seed S
  --checks <the seven> --continue-on-failure`` (mode ``all`` and every phase are its defaults;
  the gate also continues after a failure). Without the gate's hooks it reports failures that are
  the generator's, not the server's (see ``bulkpdf_contract.gate.hooks``); its time is what counts.
- gate: ``bulkpdf check --url URL --token T --max-examples N --seed S`` (every check: the same
  schemathesis run plus the domain checks, which run alongside it).

Target: gate <= 1.3x baseline (wall time; the client processes' CPU time is printed too, the
server's is not counted). ``--check`` exits 1 when it is missed.

    .venv/bin/python benchmarks/gate.py [--max-examples 20] [--seed 1] [--repeat 3] [--check]
"""

from __future__ import annotations

import argparse
import os
import re
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from bulkpdf_contract.gate.schemathesis_run import SCHEMATHESIS_CHECKS
from bulkpdf_contract.spec import spec_path

BIN = Path(sys.executable).parent
TOKEN = "bench-token"
TARGET = 1.3


def start_mock(data_dir: str) -> tuple[subprocess.Popen, str]:
    proc = subprocess.Popen(
        [str(BIN / "bulkpdf"), "serve", "--port", "0", "--data-dir", data_dir, "--token", TOKEN],
        stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        line = proc.stderr.readline()
        match = re.search(r"(http://\S+)", line)
        if match:
            return proc, match.group(1)
        if proc.poll() is not None:
            break
    proc.kill()
    raise SystemExit(f"the mock server did not start: {line!r}")


def timed(command: list[str], cwd: str) -> tuple[float, float, int]:
    """Wall time, CPU time (user + system) of the command, exit code."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    started = time.perf_counter()
    result = subprocess.run(command, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
                            env={**os.environ, "PYTHONDONTWRITEBYTECODE": "1"})
    elapsed = time.perf_counter() - started
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return elapsed, cpu, result.returncode


def commands(url: str, examples: int, seed: int) -> dict[str, list[str]]:
    return {
        "baseline": [str(BIN / "schemathesis"), "run", str(spec_path()), "--url", url,
                     "-H", f"Authorization: Bearer {TOKEN}", "-n", str(examples), "--seed", str(seed),
                     "--checks", ",".join(SCHEMATHESIS_CHECKS), "--continue-on-failure", "--no-color"],
        "gate": [str(BIN / "bulkpdf"), "check", "--url", url, "--token", TOKEN, "--max-examples", str(examples),
                 "--seed", str(seed), "-q"],
    }


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--max-examples", type=int, default=20)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--check", action="store_true", help="exit 1 when the target is missed")
    args = parser.parse_args()

    times: dict[str, list[float]] = {"baseline": [], "gate": []}
    cpus: dict[str, list[float]] = {"baseline": [], "gate": []}
    codes: dict[str, list[int]] = {"baseline": [], "gate": []}
    with tempfile.TemporaryDirectory(prefix="bulkpdf-bench-gate-") as tmp:
        for round_ in range(args.repeat):
            for name in ("baseline", "gate"):
                data_dir = os.path.join(tmp, f"{name}-{round_}")
                proc, url = start_mock(data_dir)
                try:
                    elapsed, cpu, code = timed(commands(url, args.max_examples, args.seed)[name], cwd=tmp)
                finally:
                    proc.terminate()
                    proc.wait(10)
                times[name].append(elapsed)
                cpus[name].append(cpu)
                codes[name].append(code)
                print(f"round {round_ + 1}: {name:<8} {elapsed:6.1f} s wall, {cpu:5.1f} s CPU (exit {code})",
                      flush=True)

    baseline, gate = statistics.median(times["baseline"]), statistics.median(times["gate"])
    ratio = gate / baseline
    print()
    print(f"max examples {args.max_examples}, seed {args.seed}, {args.repeat} rounds, medians:")
    print(f"  schemathesis run (baseline) {baseline:6.1f} s wall, {statistics.median(cpus['baseline']):5.1f} s CPU"
          f"  exits {codes['baseline']}")
    print(f"  bulkpdf check               {gate:6.1f} s wall, {statistics.median(cpus['gate']):5.1f} s CPU"
          f"  exits {codes['gate']}")
    print(f"  ratio gate / baseline       {ratio:6.2f}x  (target <= {TARGET}x) "
          f"{'OK' if ratio <= TARGET else 'MISSED'}")
    return 1 if args.check and ratio > TARGET else 0


if __name__ == "__main__":
    sys.exit(main())
