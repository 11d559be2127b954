"""Fixtures of the validator tests."""

from __future__ import annotations

import pytest

from validators_support import ENGINES


@pytest.fixture(params=ENGINES)
def engine(request):
    return request.param
