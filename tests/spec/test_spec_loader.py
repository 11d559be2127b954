"""The spec loader's cache: YAML parsed once per content, JSON read after; never stale, never needed."""

from __future__ import annotations

import os
import subprocess
import sys

import pytest

from bulkpdf_contract.spec import load_spec_file, spec_path
from bulkpdf_contract.spec import loader


@pytest.fixture
def cache(tmp_path, monkeypatch):
    monkeypatch.setenv("BULKPDF_CACHE_DIR", str(tmp_path / "cache"))
    return tmp_path / "cache"


def parses(monkeypatch) -> list[str]:
    """Record every YAML parse the loader does."""
    seen: list[str] = []
    real = loader._parse_yaml
    monkeypatch.setattr(loader, "_parse_yaml", lambda raw: seen.append(raw) or real(raw))
    return seen


def test_the_second_load_reads_the_cache_and_gives_the_same_data(cache, monkeypatch):
    seen = parses(monkeypatch)
    first = load_spec_file(spec_path())
    second = load_spec_file(spec_path())
    assert len(seen) == 1 and first == second
    assert [p.name for p in cache.iterdir()][0].startswith("spec-")


def test_an_edited_file_is_parsed_again(cache, monkeypatch, tmp_path):
    seen = parses(monkeypatch)
    spec = tmp_path / "spec.yaml"
    spec.write_text("openapi: 3.1.0\ninfo: {title: a}\n")
    assert load_spec_file(spec)["info"]["title"] == "a"
    spec.write_text("openapi: 3.1.0\ninfo: {title: b}\n")
    assert load_spec_file(spec)["info"]["title"] == "b"
    assert load_spec_file(spec)["info"]["title"] == "b"
    assert len(seen) == 2


@pytest.mark.parametrize("damage", [b"{not json", b"[]", b'{"format": "other"}'])
def test_a_corrupt_cache_entry_is_replaced(cache, monkeypatch, damage):
    load_spec_file(spec_path())
    (entry,) = cache.iterdir()
    entry.write_bytes(damage)
    seen = parses(monkeypatch)
    assert load_spec_file(spec_path())["openapi"].startswith("3.1")
    assert len(seen) == 1 and entry.read_bytes().startswith(b'{"format"')


def test_an_entry_is_used_only_for_the_text_it_holds(cache, monkeypatch, tmp_path):
    """Two texts with the same entry name (a CRC collision, forced here) never mix."""
    monkeypatch.setattr(loader.zlib, "crc32", lambda raw: 7)
    seen = parses(monkeypatch)
    a, b = tmp_path / "a.yaml", tmp_path / "b.yaml"
    a.write_text("x: 1\n")
    b.write_text("x: 2\n")
    assert [load_spec_file(p)["x"] for p in (a, b, a, b)] == [1, 2, 1, 2]
    assert len(seen) == 4  # each overwrote the other's entry; none was read for the other


def test_an_unusable_cache_directory_only_costs_the_parse(tmp_path, monkeypatch):
    blocker = tmp_path / "file"
    blocker.write_text("not a directory")
    monkeypatch.setenv("BULKPDF_CACHE_DIR", str(blocker / "cache"))
    seen = parses(monkeypatch)
    assert load_spec_file(spec_path()) == load_spec_file(spec_path())
    assert len(seen) == 2


@pytest.mark.parametrize("text", ["200: {description: ok}\n", "when: 2024-01-08\n"])
def test_data_json_cannot_carry_is_never_cached(cache, tmp_path, text):
    spec = tmp_path / "spec.yaml"
    spec.write_text(text)
    data = load_spec_file(spec)
    assert load_spec_file(spec) == data
    assert not cache.exists() or not any(cache.iterdir())


def test_a_cached_start_does_not_import_pyyaml(cache):
    env = {**os.environ, "BULKPDF_CACHE_DIR": str(cache)}
    code = ("import sys; from bulkpdf_contract.spec import load_contract; load_contract(); "
            "print('yaml' in sys.modules)")
    runs = [subprocess.run([sys.executable, "-c", code], env=env, capture_output=True, text=True, check=True)
            for _ in range(2)]
    assert [r.stdout.strip() for r in runs] == ["True", "False"]


def test_without_a_home_directory_the_yaml_is_parsed(monkeypatch):
    monkeypatch.delenv("BULKPDF_CACHE_DIR", raising=False)
    monkeypatch.delenv("XDG_CACHE_HOME", raising=False)
    monkeypatch.setattr(loader.os.path, "expanduser", lambda path: path)  # what it gives without a home
    seen = parses(monkeypatch)
    assert load_spec_file(spec_path())["openapi"].startswith("3.1") and len(seen) == 1
