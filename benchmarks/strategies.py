"""Examples per second of ``valid_bodies()`` against hypothesis-jsonschema on the request schema,
and how often generated examples reach each edge family.

    .venv/bin/python benchmarks/strategies.py [--examples N] [--baseline-examples N] [--rounds R]

Method: both strategies run through the same harness, a ``@given`` test with
``max_examples=N``, the generate phase only, no database, no deadline, derandomized, whose body
only counts its calls. Wall and CPU time cover Hypothesis' whole engine, which is what a
property test pays. Rounds alternate baseline and ours; the best round of each is compared
(a shared machine only ever makes a round slower). Each generated body is also checked with the
validators afterwards (outside the timing): hypothesis-jsonschema knows the JSON Schema, not the
rules beside it (duplicate IDs, the 50,000-ID limit), so the share of its bodies the contract
accepts is printed too, with the rate of contract-valid bodies.

Target: ours at least 1x the baseline's examples per second.
"""

from __future__ import annotations

import argparse
import collections
import sys
import time

from hypothesis import HealthCheck, Phase, given, settings

from bulkpdf_contract.spec import load_contract
from bulkpdf_contract.strategies import edge_cases_by_family, features, valid_bodies, valid_requests
from bulkpdf_contract.strategies.model import Labelled, Request
from bulkpdf_contract.validators import validate_request


def run(strategy, examples: int) -> tuple[list, float, float]:
    """(examples drawn, wall seconds, CPU seconds) of one harness run."""
    drawn = []

    @settings(max_examples=examples, phases=[Phase.generate], database=None, deadline=None,
              derandomize=True, suppress_health_check=list(HealthCheck))
    @given(strategy)
    def harness(example):
        drawn.append(example)

    wall, cpu = time.perf_counter(), time.process_time()
    harness()
    return drawn, time.perf_counter() - wall, time.process_time() - cpu


def accepted_share(bodies: list) -> float:
    return sum(not validate_request(b) for b in bodies) / max(1, len(bodies))


def measure(name: str, strategy, examples: int, rounds: int) -> dict:
    best = None
    for _ in range(rounds):
        drawn, wall, cpu = run(strategy, examples)
        result = {"name": name, "n": len(drawn), "wall": wall, "cpu": cpu, "drawn": drawn}
        if best is None or len(drawn) / wall > best["n"] / best["wall"]:
            best = result
    best["valid"] = accepted_share(best["drawn"])
    return best


def rate_lines(results: list[dict]) -> None:
    print(f"{'strategy':<34} {'examples':>8} {'wall s':>8} {'ex/s wall':>10} {'ex/s CPU':>9} {'valid':>6}")
    for r in results:
        print(f"{r['name']:<34} {r['n']:>8} {r['wall']:>8.2f} {r['n'] / r['wall']:>10.1f} "
              f"{r['n'] / r['cpu']:>9.1f} {r['valid']:>6.0%}")


def shares(title: str, counts: collections.Counter, total: int) -> None:
    print(f"\n{title} ({total} examples)")
    for key, count in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        print(f"  {count / total:>6.1%}  {key}")


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--examples", type=int, default=1000, help="examples of valid_bodies() per round")
    parser.add_argument("--baseline-examples", type=int, default=100,
                        help="examples of hypothesis-jsonschema per round (it is slow)")
    parser.add_argument("--edge-examples", type=int, default=1000, help="examples for the edge shares")
    parser.add_argument("--rounds", type=int, default=2)
    args = parser.parse_args(argv)

    contract = load_contract()
    try:
        from hypothesis_jsonschema import from_schema
    except ImportError:
        print("hypothesis-jsonschema is not installed (pip install 'bulkpdf-contract[bench]'); no baseline")
        return 2
    import hypothesis
    import hypothesis_jsonschema

    print(f"hypothesis {hypothesis.__version__}, hypothesis-jsonschema {hypothesis_jsonschema.__version__}, "
          f"python {sys.version.split()[0]}")
    baseline_strategy = from_schema(contract.request_schema())
    ours_strategy = valid_bodies(contract)
    baseline = ours = None
    for _ in range(args.rounds):  # alternate, keep each side's best round
        b = measure("hypothesis_jsonschema.from_schema", baseline_strategy, args.baseline_examples, 1)
        o = measure("valid_bodies()", ours_strategy, args.examples, 1)
        baseline = b if baseline is None or b["n"] / b["wall"] > baseline["n"] / baseline["wall"] else baseline
        ours = o if ours is None or o["n"] / o["wall"] > ours["n"] / ours["wall"] else ours
    print()
    rate_lines([baseline, ours])
    ratio = (ours["n"] / ours["wall"]) / (baseline["n"] / baseline["wall"])
    cpu_ratio = (ours["n"] / ours["cpu"]) / (baseline["n"] / baseline["cpu"])
    valid_ratio = ratio * ours["valid"] / max(baseline["valid"], 1e-9)
    print(f"\nratio valid_bodies / hypothesis-jsonschema: {ratio:.1f}x examples/s (wall), {cpu_ratio:.1f}x (CPU), "
          f"{valid_ratio:.1f}x contract-valid examples/s   target >= 1x: {'met' if ratio >= 1 else 'NOT met'}")

    places = collections.Counter()
    for body in ours["drawn"]:
        places.update(f for f in features(Request("POST", {}, body), contract)
                      if not f.startswith(("header", "method")))
    shares("valid_bodies(): share reaching each place", places, len(ours["drawn"]))

    drawn, _, _ = run(valid_requests(contract), args.examples)
    places = collections.Counter()
    for request in drawn:
        places.update(f for f in features(request, contract) if f.startswith(("header", "method", "gzip")))
    shares("valid_requests(): headers and methods", places, len(drawn))

    drawn, wall, _ = run(edge_cases_by_family(contract), args.edge_examples)
    families = collections.Counter(family for family, _ in drawn)
    shares(f"edge_cases(): share of each family ({len(drawn) / wall:.0f} examples/s)", families, len(drawn))
    rules = collections.Counter(
        f"{family}: {example.expected_rule if isinstance(example, Labelled) else 'valid (plain)'}"
        for family, example in drawn)
    shares("edge_cases(): share of each family and rule", rules, len(drawn))
    return 0 if ratio >= 1 else 1


if __name__ == "__main__":
    sys.exit(main())
