"""The plugin's options: command line, environment and ini, their errors, and their effect on Hypothesis.

Each test writes a user's test file and runs pytest on it in-process (``pytester.runpytest``); the
plugin loads through its ``pytest11`` entry point exactly as it does for a user.
"""

from __future__ import annotations

import subprocess
import sys

import pytest
from hypothesis import settings

pytest_plugins = ["pytester"]

ENV_NAMES = (
    "BULKPDF_URL", "BULKPDF_TOKEN", "BULKPDF_MAX_EXAMPLES", "BULKPDF_HYPOTHESIS_PROFILE",
    "BULKPDF_JOB_TIMEOUT", "BULKPDF_CLIENT_ID", "BULKPDF_CLIENT_SECRET", "BULKPDF_DOCUMENTS",
)

SHOW_SERVER = """
def test_show(bulkpdf_server):
    print(f"\\nSERVER url={bulkpdf_server.url} token={bulkpdf_server.token} "
          f"embedded={bulkpdf_server.embedded} timeout={bulkpdf_server.job_timeout}")
"""


@pytest.fixture(autouse=True)
def clean_environment(monkeypatch):
    for name in ENV_NAMES:
        monkeypatch.delenv(name, raising=False)


def server_line(result) -> str:
    lines = [line for line in result.outlines if line.startswith("SERVER ")]
    assert lines, result.stdout.str()
    return lines[0]


def test_ini_values_are_used(pytester):
    pytester.makeini(
        "[pytest]\nbulkpdf_url = https://ini.example/\nbulkpdf_token = ini-token\n"
        "bulkpdf_job_timeout = 7.5\n"
    )
    pytester.makepyfile(SHOW_SERVER)
    result = pytester.runpytest("-s")
    result.assert_outcomes(passed=1)
    assert server_line(result) == (
        "SERVER url=https://ini.example token=ini-token embedded=False timeout=7.5"
    )
    result.stdout.fnmatch_lines(["bulkpdf: live https://ini.example"])


def test_environment_beats_ini_and_command_line_beats_both(pytester, monkeypatch):
    pytester.makeini("[pytest]\nbulkpdf_url = https://ini.example\nbulkpdf_token = ini-token\n")
    pytester.makepyfile(SHOW_SERVER)
    monkeypatch.setenv("BULKPDF_URL", "https://env.example")
    monkeypatch.setenv("BULKPDF_TOKEN", "env-token")
    result = pytester.runpytest("-s")
    assert server_line(result).startswith("SERVER url=https://env.example token=env-token ")

    result = pytester.runpytest("-s", "--bulkpdf-url", "http://cli.example:8080",
                                "--bulkpdf-token=cli-token")
    assert server_line(result).startswith("SERVER url=http://cli.example:8080 token=cli-token ")


@pytest.mark.parametrize(
    ("args", "env", "message"),
    [
        (["--bulkpdf-max-examples", "0"], {},
         "*--bulkpdf-max-examples: expected a positive integer, got '0'*"),
        ([], {"BULKPDF_MAX_EXAMPLES": "many"},
         "*environment variable BULKPDF_MAX_EXAMPLES: expected a positive integer, got 'many'*"),
        (["--bulkpdf-url", "ftp://files.example"], {},
         "*--bulkpdf-url: expected an http:// or https:// base URL, got 'ftp://files.example'*"),
        ([], {"BULKPDF_JOB_TIMEOUT": "-3"},
         "*BULKPDF_JOB_TIMEOUT: expected a positive number of seconds, got '-3'*"),
        (["--bulkpdf-hypothesis-profile", "no-such-profile"], {},
         "*no Hypothesis profile 'no-such-profile' is registered (registered: *default*"),
    ],
)
def test_bad_values_are_usage_errors(pytester, monkeypatch, args, env, message):
    for name, value in env.items():
        monkeypatch.setenv(name, value)
    pytester.makepyfile("def test_nothing():\n    pass\n")
    result = pytester.runpytest(*args)
    assert result.ret == pytest.ExitCode.USAGE_ERROR
    result.stderr.fnmatch_lines([message])
    assert "Traceback" not in result.stderr.str()


def test_live_url_without_token_fails_with_a_clear_message(pytester):
    pytester.makepyfile(SHOW_SERVER)
    result = pytester.runpytest("--bulkpdf-url", "https://sandbox.example")
    result.assert_outcomes(errors=1)
    result.stdout.fnmatch_lines(["*--bulkpdf-url needs a token: pass --bulkpdf-token or set BULKPDF_TOKEN*"])


COUNT_EXAMPLES = """
from hypothesis import given, settings, strategies as st

calls = []

@given(st.integers())
def test_property(n):
    calls.append(n)

def test_count():
    current = settings.default
    print(f"\\nHYPOTHESIS examples={len(calls)} max_examples={current.max_examples} "
          f"deadline={current.deadline} profile={settings.get_current_profile_name()}")
"""


def hypothesis_line(result) -> str:
    lines = [line for line in result.outlines if line.startswith("HYPOTHESIS ")]
    assert lines, result.stdout.str()
    return lines[0]


def test_max_examples_reaches_users_hypothesis_tests(pytester):
    profile_before = settings.get_current_profile_name()
    pytester.makepyfile(COUNT_EXAMPLES)
    result = pytester.runpytest("-s", "--bulkpdf-max-examples", "7")
    result.assert_outcomes(passed=2)
    assert hypothesis_line(result).startswith("HYPOTHESIS examples=7 max_examples=7 ")
    result.stdout.fnmatch_lines(["bulkpdf: embedded mock, max_examples=7"])
    # the in-process run restored the outer run's profile when it ended
    assert settings.get_current_profile_name() == profile_before

    pytester.makeini("[pytest]\nbulkpdf_max_examples = 3\n")
    result = pytester.runpytest("-s")
    assert hypothesis_line(result).startswith("HYPOTHESIS examples=3 max_examples=3 ")


def test_hypothesis_profile_is_loaded_and_max_examples_layers_on_top(pytester, monkeypatch):
    pytester.makeconftest(
        "from datetime import timedelta\n"
        "from hypothesis import settings\n"
        "settings.register_profile('tiny', max_examples=2, deadline=timedelta(seconds=4))\n"
    )
    pytester.makepyfile(COUNT_EXAMPLES)
    monkeypatch.setenv("BULKPDF_HYPOTHESIS_PROFILE", "tiny")
    result = pytester.runpytest("-s")
    assert hypothesis_line(result) == (
        "HYPOTHESIS examples=2 max_examples=2 deadline=0:00:04 profile=tiny"
    )
    result = pytester.runpytest("-s", "--bulkpdf-max-examples", "5")
    # the tiny profile's deadline stays, max_examples is overridden
    assert hypothesis_line(result) == (
        "HYPOTHESIS examples=5 max_examples=5 deadline=0:00:04 profile=bulkpdf"
    )


def test_project_profiles_are_available(pytester):
    """``dev`` is registered by bulkpdf_contract.strategies, which a fresh process has not imported."""
    pytester.makepyfile(COUNT_EXAMPLES)
    result = pytester.runpytest_subprocess(
        "-s", "--bulkpdf-hypothesis-profile", "dev", "-p", "no:schemathesis"
    )
    result.assert_outcomes(passed=2)
    assert hypothesis_line(result) == (
        "HYPOTHESIS examples=200 max_examples=200 deadline=None profile=dev"
    )


def test_plugin_import_is_cheap():
    """The plugin loads in every pytest run of anyone who installs the package."""
    code = (
        "import sys, bulkpdf_contract.pytest_plugin\n"
        "heavy = ['hypothesis', 'httpx', 'starlette', 'uvicorn', 'schemathesis', 'jsonschema',\n"
        "         'jsonschema_rs', 'yaml', 'requests', 'bulkpdf_contract.validators',\n"
        "         'bulkpdf_contract.mock', 'bulkpdf_contract.strategies']\n"
        "print(sorted(name for name in heavy if name in sys.modules))\n"
    )
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "[]"



def test_plugin_re_exports_the_helpers_from_their_modules():
    """The documented imports keep working, and give the plain modules' own objects."""
    import bulkpdf_contract.pytest_plugin as plugin
    from bulkpdf_contract import client, strategies
    from bulkpdf_contract.validators import assertions
    from bulkpdf_contract.pytest_plugin import (
        BulkPdfServer, BulkPdfValidator, assert_valid_request, assert_valid_response,
        format_findings, valid_requests,
    )

    assert BulkPdfServer is client.BulkPdfServer
    assert valid_requests is strategies.valid_requests
    assert (BulkPdfValidator, assert_valid_request, assert_valid_response, format_findings) == (
        assertions.BulkPdfValidator, assertions.assert_valid_request,
        assertions.assert_valid_response, assertions.format_findings)
    namespace: dict = {}
    exec("from bulkpdf_contract.pytest_plugin import *", namespace)
    assert set(plugin.__all__) <= set(namespace)
    assert {"BulkPdfServer", "format_findings", "Labelled", "Request"} <= set(plugin.__all__)
    with pytest.raises(AttributeError, match="has no attribute 'no_such_name'"):
        plugin.no_such_name  # noqa: B018
