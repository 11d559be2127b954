"""``bulkpdf proxy`` as a user runs it: prints its URL, stops cleanly on SIGINT and SIGTERM with a
summary and an exit code, leaves a readable HAR file even when killed, refuses bad options."""

from __future__ import annotations

import json
import signal
import socket
import subprocess
import sys

import httpx
import pytest
from proxy_support import TOKEN, body, har_entries, mock_app

from bulkpdf_contract.cli import COMMANDS, main
from bulkpdf_contract.mock import run_server
from bulkpdf_contract.spec import COLLECTION_PATH

AUTH = {"Authorization": f"Bearer {TOKEN}"}


def test_bulkpdf_proxy_is_this_module():
    assert COMMANDS["proxy"][0] == "bulkpdf_contract.proxy.cli"


class Proxy:
    """``bulkpdf proxy`` in a subprocess, read line by line from its stderr."""

    def __init__(self, *args: str):
        self.process = subprocess.Popen([sys.executable, "-m", "bulkpdf_contract.cli", "proxy", "--port", "0", *args],
                                        stderr=subprocess.PIPE, text=True)
        self.lines: list[str] = []
        first = self.readline()
        assert first.startswith("bulkpdf proxy: http://127.0.0.1:"), first + self.process.stderr.read()
        self.url = first.split()[2]

    def readline(self) -> str:
        line = self.process.stderr.readline()
        self.lines.append(line)
        return line

    def wait_for(self, text: str, count: int = 1) -> None:
        while sum(text in line for line in self.lines) < count:
            assert self.readline(), f"the proxy ended before logging {text!r}: {''.join(self.lines)}"

    def stop(self, sig: int) -> tuple[int, str]:
        self.process.send_signal(sig)
        rest = self.process.communicate(timeout=60)[1]
        return self.process.returncode, "".join(self.lines) + rest


@pytest.fixture(scope="module")
def mock_url():
    with run_server(mock_app()) as server:
        yield server.url


@pytest.mark.parametrize("sig", [signal.SIGINT, signal.SIGTERM], ids=["SIGINT", "SIGTERM"])
def test_a_signal_stops_it_with_the_summary_and_exit_1_after_violations(tmp_path, mock_url, sig):
    report, har = tmp_path / "v.jsonl", tmp_path / "t.har"
    proxy = Proxy("--upstream", mock_url, "--report", str(report), "--har", str(har))
    assert httpx.post(proxy.url + COLLECTION_PATH, json=body(1), headers=AUTH).status_code == 200
    assert httpx.post(proxy.url + COLLECTION_PATH, json=body(1, fileName="x" * 33), headers=AUTH).status_code == 400
    proxy.wait_for("-> 400")
    code, err = proxy.stop(sig)
    assert code == 1, err
    assert "bulkpdf proxy: 2 exchanges, 1 violations (1 request)" in err and "schema.maxLength  1" in err
    assert [json.loads(line)["rule"] for line in report.read_text().splitlines()] == ["schema.maxLength"]
    assert len(har_entries(har)) == 2 and "Traceback" not in err


def test_clean_traffic_exits_0(mock_url):
    proxy = Proxy("--upstream", mock_url, "--log-level", "warning")
    assert httpx.get(proxy.url + COLLECTION_PATH + "/" + "a" * 32, headers=AUTH).status_code == 404
    code, err = proxy.stop(signal.SIGTERM)
    assert code == 0 and "bulkpdf proxy: 1 exchanges, no violations" in err


def test_a_killed_proxy_leaves_a_readable_har_file(tmp_path, mock_url):
    har = tmp_path / "t.har"
    proxy = Proxy("--upstream", mock_url, "--har", str(har))
    for n in range(3):
        httpx.post(proxy.url + COLLECTION_PATH, json=body(1, fileName=f"k{n}"), headers=AUTH)
    proxy.wait_for("-> 200", count=3)  # logged once the entry is written
    proxy.process.kill()
    proxy.process.communicate(timeout=60)
    assert [json.loads(e["request"]["postData"]["text"])["fileName"] for e in har_entries(har)] == ["k0", "k1", "k2"]
    found = subprocess.run([sys.executable, "-m", "bulkpdf_contract.cli", "lint", "--har", str(har)],
                           capture_output=True, text=True, timeout=120)
    assert (found.returncode, found.stdout) == (0, "")


def test_bad_options_exit_2(tmp_path, capsys):
    assert main(["proxy", "--upstream", "ftp://example.com"]) == 2
    assert "expected an http:// or https:// base URL" in capsys.readouterr().err
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        assert main(["proxy", "--upstream", "http://127.0.0.1:1", "--port", str(port)]) == 2
    assert f"cannot use 127.0.0.1:{port}" in capsys.readouterr().err
    assert main(["proxy", "--upstream", "http://127.0.0.1:1", "--port", "0",
                 "--report", str(tmp_path / "missing" / "v.jsonl")]) == 2
    assert "missing" in capsys.readouterr().err


def test_enforce_from_the_command_line_answers_without_the_upstream():
    with socket.socket() as unused:
        unused.bind(("127.0.0.1", 0))
        closed = f"http://127.0.0.1:{unused.getsockname()[1]}"  # nothing listens: forwarding would be a 502
    proxy = Proxy("--upstream", closed, "--enforce", "--host", "127.0.0.1", "--log-level", "warning")
    assert "(enforcing)" in proxy.lines[0]
    refused = httpx.post(proxy.url + COLLECTION_PATH, json=body(1, fileName="x" * 33), headers=AUTH)
    forwarded = httpx.post(proxy.url + COLLECTION_PATH, json=body(1), headers=AUTH)
    code, err = proxy.stop(signal.SIGTERM)
    assert refused.status_code == 400 and forwarded.status_code == 502
    assert code == 1 and "1 refused (--enforce)" in err and "1 answered 502/504" in err
