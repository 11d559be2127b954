"""Fixtures: each test runs against the app in-process (ASGI) and over real HTTP."""

import pytest
from mock_support import make_api_fixture

make_api = pytest.fixture(params=["asgi", "http"])(make_api_fixture)


@pytest.fixture
def api(make_api):
    return make_api()
