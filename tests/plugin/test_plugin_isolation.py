"""In-process ``pytester`` runs leave the outer run's modules whole (see tests/conftest.py)."""

from __future__ import annotations

import importlib

pytest_plugins = ["pytester"]


def test_an_inner_run_that_uses_httpx_leaves_its_error_mapping_usable(pytester):
    pytester.makepyfile("""
        import httpx, pytest

        def test_unreachable():
            with pytest.raises(httpx.ConnectError):
                httpx.get("http://127.0.0.1:9/", timeout=2)
    """)
    assert pytester.runpytest("-p", "no:cacheprovider").ret == 0
    httpcore = importlib.import_module("httpcore")
    from httpx._transports import default

    assert httpcore.ReadTimeout in default.HTTPCORE_EXC_MAP  # the classes httpcore raises now
