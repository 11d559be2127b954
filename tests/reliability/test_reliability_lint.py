"""``bulkpdf lint`` over generated garbage: every file gets a finding or a clear message, never a
traceback, and no file (a YAML alias bomb included) makes the linter's memory blow up.

The linter runs as a subprocess, as pre-commit runs it; its peak RSS comes from ``os.wait4`` for
that one child, so earlier children of the test process (servers) do not count.
"""

from __future__ import annotations

import json
import os
import random
import shutil
import signal
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import orjson
import pytest
from reliability_support import figure, ids, scaled

FILES = scaled(1000, 1000)
PEAK_RSS_BUDGET_MIB = 300
VALID = {"documents": [{"docType": "Invoice", "objectIds": ids(3)}], "fileName": "garbage-base",
         "name": "job", "indexFileFormat": "CSV"}


def _bulkpdf() -> list[str]:
    script = Path(sys.executable).with_name("bulkpdf")
    return [str(script)] if script.is_file() else [sys.executable, "-m", "bulkpdf_contract.cli"]


_MEASURE = (
    "import resource, subprocess, sys\n"
    "code = subprocess.call(sys.argv[2:])\n"
    "open(sys.argv[1], 'w').write(str(resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss))\n"
    "sys.exit(code)\n"
)


def run_lint(*args: str, timeout: float = 120.0) -> tuple[int, str, str, float, float]:
    """``bulkpdf lint ARGS``: exit code, stdout, stderr, seconds, peak RSS in MiB.

    A small wrapper process starts the linter and reports its children's peak RSS: measured
    from the test process, the peak would include pages the child shares with pytest before it
    executes the linter.
    """
    scratch = Path(tempfile.mkdtemp(prefix="bulkpdf-lint-run-"))
    began = time.monotonic()
    try:
        with open(scratch / "out", "wb") as out, open(scratch / "err", "wb") as err:
            process = subprocess.Popen([sys.executable, "-c", _MEASURE, str(scratch / "rss"), *_bulkpdf(), "lint", *args],
                                       stdin=subprocess.DEVNULL, stdout=out, stderr=err, start_new_session=True)
            try:
                code = process.wait(timeout)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
                raise AssertionError(f"bulkpdf lint {' '.join(args)} was killed after {timeout} s") from None
        elapsed = time.monotonic() - began
        stdout = (scratch / "out").read_text(errors="replace")
        stderr = (scratch / "err").read_text(errors="replace")
        peak = int((scratch / "rss").read_text()) / 1024
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return code, stdout, stderr, elapsed, peak


# -- the garbage ---------------------------------------------------------------------------------
def billion_laughs(levels: int = 9) -> str:
    lines = ['a: &a ["lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol", "lol"]']
    for n in range(1, levels):
        prev, cur = chr(ord("a") + n - 1), chr(ord("a") + n)
        lines.append(f"{cur}: &{cur} [{', '.join(['*' + prev] * 9)}]")
    return "\n".join(lines) + "\n"


def merge_key_bomb(levels: int = 12) -> str:
    lines = ["a0: &a0 {x: 1, y: 2}"]
    for n in range(1, levels):
        lines.append(f"a{n}: &a{n} {{<<: [*a{n - 1}], k{n}: [*a{n - 1}, *a{n - 1}, *a{n - 1}, *a{n - 1}]}}")
    return "\n".join(lines) + "\n"


def _yaml_of(data) -> str:
    import yaml

    return yaml.safe_dump(data, sort_keys=False)


def _truncated(text: str, rng: random.Random) -> str:
    return text[: rng.randint(1, len(text) - 2)]


def garbage(rng: random.Random, i: int) -> tuple[str, bytes]:
    """The ``i``-th garbage file: a name (its suffix picks the parser) and its bytes."""
    json_text = json.dumps(VALID, indent=rng.choice([None, 2]))
    yaml_text = _yaml_of(VALID)  # indexFileFormat last: any cut breaks it
    kind = i % 24
    suffix = rng.choice([".json", ".yaml", ".yml"])
    if kind == 0:
        return f"random-{i}{suffix}", rng.randbytes(rng.randint(1, 4096))
    if kind == 1:
        return f"random-text-{i}{suffix}", "".join(rng.choice("{}[]:,\"'-&*!|>#\n\t abc0123") for _ in range(500)).encode()
    if kind == 2:
        return f"truncated-{i}.json", _truncated(json_text, rng).encode()
    if kind == 3:
        return f"truncated-{i}.yaml", _truncated(yaml_text, rng).encode()
    if kind == 4:  # bombs beyond the linter's expansion limit (those below it: see the bomb test)
        return f"billion-laughs-{i}.yaml", billion_laughs(rng.randint(7, 12)).encode()
    if kind == 5:
        return f"merge-bomb-{i}.yaml", merge_key_bomb(rng.randint(9, 20)).encode()
    if kind == 6:
        return f"recursive-alias-{i}.yaml", rng.choice([b"a: &a [*a]\n", b"&a {b: *a}\n", b"- &x [*x, *x]\n"])
    if kind == 7:
        encoding = rng.choice(["utf-16", "utf-32", "latin-1", "cp1252"])
        text = json.dumps({**VALID, "fileName": "caf\u00e9-\u00fc\u00df"}, ensure_ascii=False)
        return f"encoding-{encoding}-{i}{suffix}", text.encode(encoding)
    if kind == 8:
        bad = rng.choice([b"\xff\xfe\xfd", b"\xc0\xaf", b"\xed\xa0\x80", b"\xf8\x88\x80\x80\x80", b"\x80"])
        return f"invalid-utf8-{i}{suffix}", json_text.encode()[:20] + bad + json_text.encode()[20:]
    if kind == 9:
        depth = rng.choice([2000, 50_000])
        return f"deep-{i}{suffix}", (b"[" * depth + b"]" * depth) if suffix == ".json" or rng.random() < 0.5 \
            else "".join("  " * d + "- \n" for d in range(min(depth, 3000))).encode()
    if kind == 10:
        return f"nul-{i}{suffix}", json_text.encode().replace(b"garbage", b"gar\x00bage")
    if kind == 11:
        return f"empty-{i}{suffix}", rng.choice([b"", b"   \n\t", b"\xef\xbb\xbf", b"# only a comment\n", b"---\n...\n"])
    if kind == 12:
        return f"not-an-object-{i}{suffix}", rng.choice([b"[]", b"null", b"42", b'"text"', b"true", b"[1, 2]", b"- a\n"])
    if kind == 13:
        return f"tags-{i}.yaml", rng.choice([b"!!python/object/apply:os.system ['true']\n", b"a: !!binary aGVsbG8=\n",
                                             b"!!set {a, b}\n", b"a: !custom 1\n", b"? [1, 2]\n: x\n", b"1: x\n"])
    if kind == 14:
        return f"numbers-{i}.json", rng.choice([b'{"fileName": ' + b"9" * 5000 + b"}", b'{"fileName": NaN}',
                                                b'{"fileName": Infinity}', b'{"fileName": 1e999}', b'{"fileName": -0}'])
    if kind == 15:
        return f"surrogates-{i}.json", rng.choice([b'{"fileName": "\\ud800"}', b'{"fileName": "\\udc00x"}',
                                                   b'{"fileName": "\\u0000"}', b'{"f\\u0000": 1}'])
    if kind == 16:
        envelope = rng.choice([{"body": None}, {"body": [1]}, {"body": VALID, "headers": [1, 2]},
                               {"body": VALID, "headers": {"Zuora-Track-Id": 5}}, {"body": VALID, "method": 7},
                               {"body": VALID, "method": "DELETE", "headers": None}, {"body": {"body": {}}}])
        return f"envelope-{i}{suffix}", (orjson.dumps(envelope) if suffix == ".json" else _yaml_of(envelope).encode())
    if kind == 17:
        wrong = rng.choice([{"documents": "x"}, {"documents": [None]}, {"documents": [{"objectIds": [1, 2]}]},
                            {"fileName": ["a"]}, {"indexFileFormat": {"$ne": 1}}, {"generateMissingPDF": "yes"}])
        return f"wrong-types-{i}{suffix}", orjson.dumps({**VALID, **wrong})
    if kind == 18:
        return f"duplicate-keys-{i}.yaml", b"fileName: a\nfileName: b\ndocuments: []\n"
    if kind == 19:
        return f"crlf-{i}{suffix}", json_text.replace("\n", "\r\n").encode().replace(b"CSV", b"C\rSV")
    if kind == 20:
        return f"long-line-{i}.json", orjson.dumps({**VALID, "fileName": "x" * rng.randint(10_000, 200_000)})
    if kind == 21:
        return f"bom-then-garbage-{i}{suffix}", b"\xef\xbb\xbf" + rng.randbytes(64)
    if kind == 22:
        return f"yaml-directives-{i}.yaml", rng.choice([b"%YAML 9.9\n---\na: 1\n", b"%TAG ! tag:x,2000:\n---\n!a 1\n",
                                                        b"--- a\n--- b\n", b"\t- tab\n", b"a: b: c\n"])
    return f"control-chars-{i}{suffix}", json_text.encode().replace(b"garbage-base", b"g\x01\x1b[31m\x7f")


def special_paths(root: Path) -> list[Path]:
    """Things that are not readable files, as root sees them (``chmod`` does not stop root)."""
    made = []
    fifo = root / "fifo.json"
    os.mkfifo(fifo)
    made.append(fifo)
    for name, target in (("broken-link.json", "nowhere.json"), ("loop.yaml", "loop.yaml"), ("dev-zero.json", "/dev/zero"),
                         ("a-directory-link.json", str(root))):
        (root / name).symlink_to(target)
        made.append(root / name)
    directory = root / "dir.json"
    directory.mkdir()
    made.append(directory)
    big = root / "sparse-70MB.json"  # larger than the linter reads; sparse, so cheap to make
    with open(big, "wb") as handle:
        handle.truncate(70 * 2**20)
    made.append(big)
    large = root / "large-15MB.json"
    large.write_bytes(b'{"fileName": "' + b"a" * (15 * 2**20) + b'", "documents": [], "indexFileFormat": "CSV"}')
    made.append(large)
    return made


@pytest.mark.timeout(scaled(120, 300))
def test_a_thousand_garbage_files_give_findings_never_a_traceback(tmp_path):
    rng = random.Random(20240117)
    root = tmp_path / "garbage"
    root.mkdir()
    names = []
    for i in range(FILES):
        name, data = garbage(rng, i)
        (root / name).write_bytes(data)
        names.append(name)
    special = special_paths(root)
    missing = tmp_path / "does-not-exist.json"
    code, stdout, stderr, elapsed, peak = run_lint("--format", "json", str(root), str(root / "dir.json"),
                                                   str(root / "fifo.json"), str(missing))
    assert "Traceback" not in stdout + stderr, (stdout + stderr)[-3000:]
    assert code == 1, stderr
    findings = orjson.loads(stdout)
    by_path: dict[str, list[dict]] = {}
    for finding in findings:
        assert set(finding) == {"path", "line", "column", "pointer", "rule", "message"}, finding
        assert finding["message"] and finding["rule"] != "internal", finding
        assert finding["line"] >= 1 and finding["column"] >= 1
        by_path.setdefault(finding["path"], []).append(finding)
    without = [n for n in names if str(root / n) not in by_path]
    assert not without, f"no finding for {without[:10]}"
    for path in [*special, missing]:
        if path.name in ("dir.json", "a-directory-link.json"):
            continue  # a directory is searched, not read (reported when passed and empty)
        assert str(path) in by_path, f"no finding for {path.name}"
    assert any(f["rule"] == "read" for f in by_path[str(root / "dir.json")])
    assert peak < PEAK_RSS_BUDGET_MIB, f"peak RSS {peak:.0f} MiB"
    rules = sorted({f["rule"].split(".")[0] for f in findings})
    figure(f"lint: {FILES} garbage files + {len(special) + 1} special paths",
           f"{len(findings)} findings ({', '.join(rules)}), exit 1, no traceback, {elapsed:.1f} s, "
           f"peak RSS {peak:.0f} MiB")


@pytest.mark.parametrize("name, text", [
    ("billion-laughs-10.yaml", billion_laughs(10)),
    ("merge-keys-24.yaml", merge_key_bomb(24)),
    ("wide-aliases.yaml", "a: &a [" + ", ".join(["x"] * 1000) + "]\nb: [" + ", ".join(["*a"] * 5000) + "]\n"),
    ("billion-laughs-6.yaml", billion_laughs(6)),  # ~600,000 values: under the alias limit, so built
], ids=lambda value: value if value.endswith(".yaml") else "")
def test_a_yaml_alias_bomb_does_not_blow_up_memory(tmp_path, name, text):
    path = tmp_path / name
    path.write_text(text)
    code, stdout, stderr, elapsed, peak = run_lint(str(path), timeout=60)
    assert code == 1 and "Traceback" not in stdout + stderr, stdout + stderr
    assert f"{path}:" in stdout, stdout
    assert peak < PEAK_RSS_BUDGET_MIB, f"peak RSS {peak:.0f} MiB"
    first = stdout.splitlines()[0].split(": ", 2)[-1]
    figure(f"lint: YAML bomb {name} ({len(text)} bytes)", f"{elapsed:.2f} s, peak RSS {peak:.0f} MiB; {first[:70]}")


def test_a_large_json_payload_does_not_blow_up_memory(tmp_path):
    path = tmp_path / "wide.json"
    path.write_bytes(orjson.dumps({"unknownField": ["lol"] * 800_000}))  # 5 MB, under the 16 MiB cap
    code, stdout, stderr, elapsed, peak = run_lint(str(path), timeout=60)
    assert code == 1 and "Traceback" not in stdout + stderr
    assert peak < PEAK_RSS_BUDGET_MIB, f"peak RSS {peak:.0f} MiB for a {path.stat().st_size:,}-byte file"


@pytest.mark.timeout(120)
def test_many_findings_in_one_file_are_located_in_linear_time(tmp_path):
    """The same 600 findings, once at the start of a file and once after 3 MiB of blanks: with
    positions computed in one pass the second costs little more than parsing 3 MiB."""
    body = orjson.dumps({"documents": [{"docType": "Invoice", "objectIds": [f"{i:031x}" for i in range(600)]}],
                         "fileName": "x", "indexFileFormat": "CSV"})
    near, far = tmp_path / "near.json", tmp_path / "far.json"
    near.write_bytes(body)
    far.write_bytes(b"{" + b" " * (3 * 2**20) + body[1:])
    near_code, near_out, *_, near_time, _ = run_lint(str(near))
    far_code, far_out, *_, far_time, _ = run_lint(str(far), timeout=90)
    assert near_code == far_code == 1
    assert near_out.count(": schema.pattern: ") == far_out.count(": schema.pattern: ") == 600
    # best of two runs each: the machine is shared; one scan per finding made it ~9x
    near_time = min(near_time, run_lint(str(near))[3])
    far_time = min(far_time, run_lint(str(far), timeout=90)[3])
    assert far_time < 4 * near_time, f"{near_time:.2f} s -> {far_time:.2f} s"
