"""The reliability tests: marked ``reliability``, bounded by default, full with
``BULKPDF_RELIABILITY_SCALE=full``; their figures are printed in pytest's terminal summary."""

from __future__ import annotations

from pathlib import Path

import pytest
from reliability_support import FIGURES, FULL, SCALE_ENV, Serve, start_serve

HERE = Path(__file__).parent


def pytest_collection_modifyitems(items):
    for item in items:
        if HERE in Path(item.fspath).parents:
            item.add_marker(pytest.mark.reliability)


def pytest_terminal_summary(terminalreporter):
    if not FIGURES:
        return
    scale = "full" if FULL else f"bounded (set {SCALE_ENV}=full for the full run)"
    terminalreporter.write_sep("=", f"reliability figures, {scale}")
    width = max(len(name) for name, _ in FIGURES)
    for name, value in FIGURES:
        terminalreporter.write_line(f"{name:<{width}}  {value}")


@pytest.fixture
def serve(tmp_path):
    """``serve(data_dir, *args)`` starts ``bulkpdf serve``; every server is stopped afterwards."""
    started: list[Serve] = []

    def start(data_dir: Path | None = None, *args: str, **kwargs) -> Serve:
        kwargs.setdefault("log", tmp_path / f"serve{len(started)}.log")
        server = start_serve(data_dir or tmp_path / f"data{len(started)}", *args, **kwargs)
        started.append(server)
        return server

    yield start
    for server in started:
        server.stop()
