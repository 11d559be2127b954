"""Benchmark of ``bulkpdf drift`` on a file of the size of Zuora's (about 11 MB), against baselines
measured in the same run.

The input is the tests' stand-in for Zuora's file (``tests/drift/fixtures/zuora-v1.yaml``) padded
with thousands of unrelated paths and schemas in the same shape (``tests/drift/zuora_fixture.py``),
written as YAML by PyYAML (single-quoted style, like Zuora's file, so no loader reads its own
output) and as indented JSON.

Each measurement runs in a fresh Python process: the best wall time of a few runs, and the peak
resident memory the load adds (VmHWM after the load minus VmRSS before it).

1. YAML loaders on the same text: yaml-rs (what ``bulkpdf drift`` uses), PyYAML's CSafeLoader
   (libyaml; the toolkit's other YAML reader) and, with ``--pure``, PyYAML's pure-Python
   SafeLoader. Printed: each one's time and memory, and yaml-rs's speed-up over CSafeLoader.
2. JSON: orjson (what ``bulkpdf drift`` uses) and ``json.loads``.
3. The whole check (``parse_spec`` + ``check_drift``) for the YAML and the JSON file, as a ratio
   to ``json.loads`` of the JSON file. Target: a few seconds at most, i.e. a ratio well under
   ~20 on this machine.

Run: ``.venv/bin/python benchmarks/drift.py`` (about half a minute; ``--pure`` adds about a
minute).
"""

from __future__ import annotations

import argparse
import json
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "drift"))

CHILD = r"""
import json, sys, time
def rss(field):
    for line in open("/proc/self/status"):
        if line.startswith(field):
            return int(line.split()[1]) * 1024
which, path, runs = sys.argv[1], sys.argv[2], int(sys.argv[3])
import orjson, yaml, yaml_rs
from bulkpdf_contract.drift import check_drift, parse_spec
data = open(path, "rb").read()
text = data.decode()
load = {
    "yaml-rs": lambda: parse_spec(data),
    "csafe": lambda: yaml.load(text, Loader=yaml.CSafeLoader),
    "pure": lambda: yaml.load(text, Loader=yaml.SafeLoader),
    "orjson": lambda: orjson.loads(data),
    "json": lambda: json.loads(text),
    "drift": lambda: check_drift(parse_spec(data)),
}[which]
before = rss("VmRSS")
best = float("inf")
for _ in range(runs):
    start = time.perf_counter()
    result = load()
    best = min(best, time.perf_counter() - start)
    del result
print(json.dumps({"seconds": best, "peak_bytes": rss("VmHWM") - before}))
"""


def measure(which: str, path: Path, runs: int) -> dict:
    out = subprocess.run([sys.executable, "-c", CHILD, which, str(path), str(runs)],
                         check=True, capture_output=True, text=True).stdout
    return json.loads(out)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--pure", action="store_true", help="also time PyYAML's pure-Python SafeLoader")
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()

    from zuora_fixture import padded, published, to_json, to_yaml

    doc = padded(published())
    with tempfile.TemporaryDirectory() as tmp:
        yaml_path, json_path = Path(tmp) / "zuora.yaml", Path(tmp) / "zuora.json"
        yaml_path.write_text(to_yaml(doc, writer="pyyaml"), encoding="utf-8")
        json_path.write_bytes(to_json(doc))
        print(f"input: {len(doc['paths'])} paths, {len(doc['components']['schemas'])} schemas; "
              f"YAML {yaml_path.stat().st_size / 1e6:.1f} MB, JSON {json_path.stat().st_size / 1e6:.1f} MB")
        cases = [("yaml-rs", yaml_path), ("csafe", yaml_path)] + ([("pure", yaml_path)] if args.pure else [])
        cases += [("orjson", json_path), ("json", json_path), ("drift", yaml_path), ("drift", json_path)]
        results = {}
        for which, path in cases:
            runs = 1 if which in ("pure", "csafe") else args.runs
            results[(which, path.suffix)] = found = measure(which, path, runs)
            print(f"  {which:8} {path.suffix:6} {found['seconds']:7.2f} s  peak +{found['peak_bytes'] / 1e6:6.0f} MB")
    base = results[("json", ".json")]["seconds"]
    speedup = results[("csafe", ".yaml")]["seconds"] / results[("yaml-rs", ".yaml")]["seconds"]
    memory = results[("csafe", ".yaml")]["peak_bytes"] / max(results[("yaml-rs", ".yaml")]["peak_bytes"], 1)
    print(f"yaml-rs vs CSafeLoader: {speedup:.1f}x faster, {memory:.1f}x less memory")
    for suffix in (".yaml", ".json"):
        ratio = results[("drift", suffix)]["seconds"] / base
        print(f"bulkpdf drift on {suffix[1:].upper()}: {ratio:.1f}x json.loads of the JSON file")


if __name__ == "__main__":
    main()
