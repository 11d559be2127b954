"""Imports run one way: spec <- validators <- the tools (strategies, mock, gate, lint, proxy,
drift) <- the entry points (cli, pytest_plugin). Read from the source, so a new import that
turns an arrow around fails here, not in a review."""

from __future__ import annotations

import ast
import graphlib
from collections import defaultdict
from pathlib import Path

import bulkpdf_contract

ROOT = Path(bulkpdf_contract.__file__).parent
ENTRY_POINTS = {"cli", "pytest_plugin"}
LEAVES = {"spec": set(), "options": set(), "validators": {"spec"}}


def _layer(module: str) -> str:
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "bulkpdf_contract"


def _imports(root: Path = ROOT) -> dict[str, set[str]]:
    """Layer -> the other layers of the package it imports (at any depth, lazily or not)."""
    edges: dict[str, set[str]] = defaultdict(set)
    for path in root.rglob("*.py"):
        parts = list(path.relative_to(root.parent).with_suffix("").parts)
        if path.name == "__init__.py":
            parts = parts[:-1]
        package = parts if path.name == "__init__.py" else parts[:-1]  # what a level-1 import is relative to
        here = _layer(".".join(parts))
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.ImportFrom):
                base = ".".join(package[: len(package) - node.level + 1]) if node.level else ""
                module = ".".join(filter(None, [base, node.module]))
                # ``from .. import cli`` imports the module cli; ``from ..mock import app`` reads mock
                targets = [f"{module}.{alias.name}" for alias in node.names] if node.module is None else [module]
            elif isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            else:
                continue
            for target in targets:
                layer = _layer(target)
                is_module = (root / layer).is_dir() or (root / f"{layer}.py").is_file()
                if target.startswith("bulkpdf_contract.") and layer != here and is_module:
                    edges[here].add(layer)
    return edges


def _violations(edges: dict[str, set[str]]) -> list[str]:
    found = [f"{layer} imports {sorted(edges[layer] - allowed)}"
             for layer, allowed in LEAVES.items() if edges.get(layer, set()) - allowed]
    found += [f"{layer} imports the entry point(s) {sorted(targets & ENTRY_POINTS)}"
              for layer, targets in edges.items() if layer not in ENTRY_POINTS and targets & ENTRY_POINTS]
    try:
        graphlib.TopologicalSorter(edges).prepare()
    except graphlib.CycleError as exc:
        found.append(f"import cycle: {' -> '.join(exc.args[1])}")
    return found


def test_imports_run_one_way():
    assert _violations(_imports()) == []


def test_a_turned_arrow_is_caught(tmp_path):
    package = tmp_path / "bulkpdf_contract"
    for name, text in {
        "__init__.py": "",
        "spec/__init__.py": "from ..mock import app\n",            # the lowest layer reaching up
        "mock/__init__.py": "from bulkpdf_contract.gate import x\n",
        "gate/__init__.py": "def f():\n    from ..mock import y\n",  # a lazy import closes a cycle
        "lint/engine.py": "from .. import cli\n",
        "cli.py": "",
    }.items():
        (package / name).parent.mkdir(parents=True, exist_ok=True)
        (package / name).write_text(text)
    found = _violations(_imports(package))
    assert any(v.startswith("spec imports ['mock']") for v in found), found
    assert any(v.startswith("lint imports the entry point") for v in found), found
    assert any(v.startswith("import cycle") for v in found), found


def test_the_scan_sees_the_known_arrows():
    """The scan itself works: arrows the code is known to have are found."""
    edges = _imports()
    assert "spec" in edges["validators"]
    assert {"spec", "validators"} <= edges["lint"]
    assert "mock" in edges["pytest_plugin"]
