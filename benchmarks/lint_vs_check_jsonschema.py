"""``bulkpdf lint`` against ``check-jsonschema`` on the same payload files, in one run.

Writes N payload files (about 1 KB each; mixed valid and invalid; mostly JSON, some YAML) to a
temporary directory, exports the request schema with ``bulkpdf spec --export-schema request``,
and times, as subprocesses and best of R:

- ``bulkpdf lint FILES...`` against ``check-jsonschema --schemafile SCHEMA FILES...`` (CI case),
- both on a single valid file (the pre-commit case),

then the in-process throughput of ``validate_request`` against a reused
``jsonschema.Draft202012Validator`` (collecting every error) on the same payloads.

Targets (issue 17): lint <= 0.15x check-jsonschema's wall time on the files, <= 0.25x on one
file, and validate_request >= 20x the payloads/s of jsonschema. ``--check`` exits 1 when one is
missed.

The timed ``bulkpdf`` runs from bytecode, as an installed copy does (see :func:`compile_bytecode`).
Where one valid file's time goes (2026-12-02, Python 3.11, 2 cores, minimum of repeated runs):
Python's start with ``site`` ~10 ms; importing jsonschema-rs ~20-24 ms, most of it ``email.utils``
and ``decimal``, which its extension imports (CPython 3.12 made ``email.utils`` lazier); argparse
with ``re`` and ``enum`` ~6 ms, building its parser ~3 ms; ``dataclasses`` ~6.5 ms (orjson imports
it, with ``inspect``, ``uuid`` and ``json``: making the project's own records named tuples would
save nothing); orjson ~4 ms; the project's modules ~5.5 ms; the contract from its JSON cache ~0.6
ms; reading, parsing, checking and reporting the file ~0.2 ms; and, after ``main`` returned, the
interpreter's teardown ~15 ms (every module, the extensions' objects, a last collection over all of
it). That was ~60-70 ms against check-jsonschema's ~220-260 ms, a ratio of 0.29, 0.29, 0.35 in three
runs in the morning of 2026-12-02 (5,000 files: 0.148, 0.137, 0.133). Cut the same day: no
``pathlib`` on this path (~3 ms), the garbage collector off while modules load (~5 ms), files read
with ``os.read``; and, in the benchmark, bytecode (without it the project's modules were compiled in
every run, ~10-20 ms: 0.30-0.36 before). Cut later that day: the teardown (the console script leaves
``bulkpdf lint`` with ``os._exit`` once its streams are flushed, as mypy's ``util.hard_exit`` does)
and the decision records' module (loaded on first use, ~1.6 ms). Three runs then, one file / 5,000
files: 0.245 / 0.107, 0.233 / 0.126, 0.226 / 0.104 (~52-79 ms against ~230-350 ms; in-process
throughput 20.4x, 20.9x, 22.0x). A pure-Python "plainly valid?" check that spared valid files
jsonschema-rs, and the standard library's ``json`` in place of orjson for the first files, measured
0.16-0.21 and were not kept: the first is a JSON Schema validator of our own beside the two
libraries, the second a second JSON reader that must agree with orjson.

Three runs in a sixth session (a fresh machine, nothing on the path changed): 0.243 / 0.117,
0.251 / 0.094, 0.253 / 0.108 (62-84 ms against 244-342 ms; in-process 25.9x, 26.4x, 26.1x). What
is left of a one-file run is the interpreter and its dependencies' imports (``-X importtime``,
minimum of 15 runs: ``typing`` 2.7 ms, which jsonschema-rs's ``__init__`` imports too; ``platform``
2.1 ms through orjson's ``uuid``; ``socket``, ``urllib.parse``, ``ipaddress`` and ``locale`` ~5.5
ms through jsonschema-rs's ``email.utils``; ``inspect`` 2 ms through ``dataclasses``) and ~5 ms of
the project's modules. argparse's help formatter imports ``shutil`` (with ``bz2``, ``lzma``,
``fnmatch``: ~1.5 ms) for the terminal's width even when no help is printed; left as it is.

On 5,000 files (~0.29-0.34 s, a ratio of 0.136-0.151) a file costs ~50 µs: reading it ~6 µs, JSON
~3 µs, YAML ~120 µs (one file in ten: PyYAML's constructor and resolver are Python, ~60 ms of the
run), ``validate_request`` ~10 µs, and for the 1,542 invalid files the positions ~30 µs each.

    .venv/bin/python benchmarks/lint_vs_check_jsonschema.py [--files 5000] [--repeat 3] [--check]
"""

from __future__ import annotations

import argparse
import compileall
import json
import os
import random
import resource
import shutil
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import jsonschema
import yaml

import bulkpdf_contract
from bulkpdf_contract.validators import validate_request

BIN = Path(sys.executable).parent
TARGETS = {"files": 0.15, "single": 0.25, "throughput": 20.0}


def tool(name: str) -> str:
    found = BIN / name
    if found.exists():
        return str(found)
    path = shutil.which(name)
    if path is None:
        sys.exit(f"{name} not found (install the project with its bench extra)")
    return path


def compile_bytecode() -> Path:
    """Compile the bytecode of the bulkpdf_contract that ``bulkpdf`` imports (the one this process
    imports: same interpreter, same ``sys.path``, ``PYTHONPATH`` included), as pip does when it
    installs a wheel. check-jsonschema's was compiled by pip; an editable install (with
    ``PYTHONDONTWRITEBYTECODE`` set, as in the dev containers) would otherwise compile the
    project's ~25 modules from source in every run, ~10-20 ms of a one-file run that no installed
    copy pays."""
    package = Path(bulkpdf_contract.__file__).parent
    compileall.compile_dir(str(package), quiet=1)
    return package


def object_id(rng: random.Random) -> str:
    return "%032x" % rng.getrandbits(128)


def payload(rng: random.Random, invalid: bool) -> dict:
    """A ~1 KB request; an invalid one breaks one schema rule or one semantic rule."""
    body = {
        "documents": [
            {"docType": rng.choice(["Invoice", "CreditMemo", "DebitMemo"]),
             "objectIds": [object_id(rng) for _ in range(11)]}
            for _ in range(2)
        ],
        "fileName": f"export-{rng.randrange(10**6):06d}",
        "name": "BulkPDFGenerationJobV1",
        "indexFileFormat": rng.choice(["JSON", "CSV"]),
        "generateMissingPDF": rng.random() < 0.5,
        "ignoreArchivedFiles": rng.random() < 0.5,
    }
    if not invalid:
        return body
    kind = rng.randrange(6)
    if kind == 0:
        body["fileName"] = "x" * 33
    elif kind == 1:
        body["indexFileFormat"] = "json"
    elif kind == 2:
        del body["fileName"]
    elif kind == 3:
        body["documents"][0]["objectIds"][3] = "not-an-id"
    elif kind == 4:
        body["persistIndex"] = True
    else:  # only the semantic rules see this one
        body["documents"][1]["objectIds"][0] = body["documents"][0]["objectIds"][0].upper()
    return body


def write_payloads(directory: Path, count: int, seed: int = 1) -> tuple[list[Path], list[dict]]:
    rng = random.Random(seed)
    paths, bodies = [], []
    for n in range(count):
        body = payload(rng, invalid=rng.random() < 0.3)
        if n % 10 == 9:
            path = directory / f"payload-{n:05d}.yaml"
            path.write_text(yaml.safe_dump(body, sort_keys=False))
        else:
            path = directory / f"payload-{n:05d}.json"
            path.write_text(json.dumps(body, indent=2))
        paths.append(path)
        bodies.append(body)
    return paths, bodies


@dataclass
class Timing:
    wall: float = float("inf")
    cpu: float = float("inf")
    codes: set = field(default_factory=set)


def race(commands: dict[str, list[str]], repeat: int) -> dict[str, Timing]:
    """Best wall and CPU (user + system) time of each command; the commands take turns so that
    other work on the machine weighs on each alike."""
    timings = {name: Timing() for name in commands}
    for _ in range(repeat):
        for name, command in commands.items():
            before = resource.getrusage(resource.RUSAGE_CHILDREN)
            start = time.perf_counter()
            result = subprocess.run(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            wall = time.perf_counter() - start
            after = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
            timing = timings[name]
            timing.wall, timing.cpu = min(timing.wall, wall), min(timing.cpu, cpu)
            timing.codes.add(result.returncode)
    for name, timing in timings.items():
        if len(timing.codes) != 1:
            sys.exit(f"{name} gave different exit codes across runs: {timing.codes}")
    return timings


def throughputs(checks: dict, bodies: list[dict], rounds: int = 5, chunk: int = 250) -> dict[str, float]:
    """Payloads per CPU second of each check.

    The payloads are cut into chunks of ``chunk``; each chunk is timed for every check in turn,
    ``rounds`` times, and a check's time is the sum over the chunks of its best time for each.
    Taking turns at this grain (milliseconds, not a whole pass: seconds for jsonschema) lets
    other work on the machine weigh on both checks alike instead of on whichever pass it hits;
    the order of the turns alternates, so that each check also finds the chunk in the CPU
    caches, left there by the other, as often as the other does.
    """
    parts = [bodies[i:i + chunk] for i in range(0, len(bodies), chunk)]
    best = {name: [float("inf")] * len(parts) for name in checks}
    for r in range(rounds):
        turns = list(checks.items())[::-1 if r % 2 else 1]
        for n, part in enumerate(parts):
            for name, check in turns:
                start = time.process_time()
                for body in part:
                    check(body)
                best[name][n] = min(best[name][n], time.process_time() - start)
    return {name: len(bodies) / sum(times) for name, times in best.items()}


def flagged_by_check_jsonschema(check_jsonschema: str, schema: Path, files: list[str]) -> set[str]:
    result = subprocess.run([check_jsonschema, "-o", "json", "--schemafile", str(schema), *files],
                            capture_output=True, text=True)
    report = json.loads(result.stdout)
    return {e["filename"] for e in report["errors"]} | {e["filename"] for e in report["parse_errors"]}


def flagged_by_lint(bulkpdf: str, files: list[str]) -> set[str]:
    result = subprocess.run([bulkpdf, "lint", "--format", "json", *files], capture_output=True, text=True)
    return {f["path"] for f in json.loads(result.stdout)}


def report(name: str, ratio: float, target: float, higher_is_better: bool = False) -> bool:
    met = ratio >= target if higher_is_better else ratio <= target
    sign = ">=" if higher_is_better else "<="
    print(f"  {name:<44} {ratio:8.3f}   target {sign} {target:<5} {'met' if met else 'MISSED'}")
    return met


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--files", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--check", action="store_true", help="exit 1 when a target is missed")
    args = parser.parse_args(argv)
    bulkpdf, check_jsonschema = tool("bulkpdf"), tool("check-jsonschema")
    print(f"bulkpdf {bulkpdf} runs {compile_bytecode()} (bytecode compiled)")

    with tempfile.TemporaryDirectory(prefix="bulkpdf-bench-") as tmp:
        directory = Path(tmp)
        (directory / "payloads").mkdir()
        paths, bodies = write_payloads(directory / "payloads", args.files)
        files = [str(p) for p in paths]
        size = sum(p.stat().st_size for p in paths) / len(paths)
        schema_path = directory / "request.schema.json"
        exported = subprocess.run([bulkpdf, "spec", "--export-schema", "request"],
                                  capture_output=True, text=True, check=True)
        schema_path.write_text(exported.stdout)
        schema = json.loads(exported.stdout)
        single = next(f for f, b in zip(files, bodies) if f.endswith(".json") and not validate_request(b))

        print(f"load average {os.getloadavg()[0]:.2f} on {os.cpu_count()} CPUs")
        print(f"{len(files)} payload files, {size:.0f} bytes on average, "
              f"{sum(1 for b in bodies if validate_request(b))} invalid; best of {args.repeat}")
        ours = flagged_by_lint(bulkpdf, files)
        theirs = flagged_by_check_jsonschema(check_jsonschema, schema_path, files)
        print(f"  files flagged: bulkpdf lint {len(ours)}, check-jsonschema {len(theirs)} "
              f"(+{len(ours - theirs)} only the semantic rules catch, "
              f"{len(theirs - ours)} missed by lint)")

        check = [check_jsonschema, "--schemafile", str(schema_path)]
        many = race({"lint": [bulkpdf, "lint", *files], "cj": [*check, *files]}, args.repeat)
        one = race({"lint": [bulkpdf, "lint", single], "cj": [*check, single]}, max(args.repeat, 7))
        assert many["lint"].codes == many["cj"].codes == {1}, many
        assert one["lint"].codes == one["cj"].codes == {0}, one

    reference = jsonschema.Draft202012Validator(schema)
    checks = {"ours": validate_request, "jsonschema": lambda body: list(reference.iter_errors(body))}
    rates = throughputs(checks, bodies)
    ours_rate, theirs_rate = rates["ours"], rates["jsonschema"]
    by_kind = {
        kind: throughputs(checks, [b for b in bodies if bool(validate_request(b)) == invalid], 3)
        for kind, invalid in (("valid", False), ("invalid", True))
    }

    print(f"\n  {'':<44} {'bulkpdf':>9} {'baseline':>9}")
    for label, timing in ((f"{len(files)} files", many), ("1 file", one)):
        print(f"  {'wall time, ' + label + ' (s)':<44} {timing['lint'].wall:9.3f} {timing['cj'].wall:9.3f}")
        print(f"  {'CPU time, ' + label + ' (s)':<44} {timing['lint'].cpu:9.3f} {timing['cj'].cpu:9.3f}")
    print(f"  {'in-process payloads per CPU second':<44} {ours_rate:9.0f} {theirs_rate:9.0f}")
    print("\nratios (bulkpdf / check-jsonschema; validate_request / jsonschema):")
    met = [
        report(f"wall time on {len(files)} files", many["lint"].wall / many["cj"].wall, TARGETS["files"]),
        report("wall time on 1 file (pre-commit)", one["lint"].wall / one["cj"].wall, TARGETS["single"]),
        report("in-process throughput", ours_rate / theirs_rate, TARGETS["throughput"], True),
    ]
    print(f"  (CPU time ratios: {many['lint'].cpu / many['cj'].cpu:.3f} on {len(files)} files, "
          f"{one['lint'].cpu / one['cj'].cpu:.3f} on 1 file; throughput "
          + ", ".join(f"{kind} only {r['ours'] / r['jsonschema']:.1f}x" for kind, r in by_kind.items())
          + ")")
    return 1 if args.check and not all(met) else 0


if __name__ == "__main__":
    sys.exit(main())
