"""Report output: curl lines that really reproduce requests, the summary table, JUnit XML."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import xml.etree.ElementTree as ET

import pytest

from bulkpdf_contract.gate.http import Http
from bulkpdf_contract.gate.report import FAILED, PASSED, SKIPPED, CheckResult, curl_line, mask_token, \
    summary_table, write_junit
from bulkpdf_contract.mock import run_server
from bulkpdf_contract.spec import COLLECTION_PATH

TOKEN = "report-test-token"
BODY = {"documents": [{"docType": "Invoice", "objectIds": ["ab" * 16]}], "fileName": "r", "indexFileFormat": "CSV"}


def test_curl_line_never_prints_the_token():
    line = curl_line("POST", "http://h/x", {"Authorization": f"Bearer {TOKEN}", "Zuora-Track-Id": "a b"},
                     b'{"a": "it\'s"}', token=TOKEN)
    assert TOKEN not in line
    assert '"Authorization: Bearer $BULKPDF_TOKEN"' in line
    assert "'Zuora-Track-Id: a b'" in line


def test_mask_token_rewrites_someone_elses_curl_line():
    line = f"curl -X GET -H 'Authorization: Bearer {TOKEN}' http://h/x"
    assert mask_token(line, TOKEN) == 'curl -X GET -H "Authorization: Bearer $BULKPDF_TOKEN" http://h/x'


@pytest.mark.skipif(not shutil.which("curl") or not shutil.which("bash"), reason="needs curl and bash")
@pytest.mark.parametrize("gzipped", [False, True])
def test_a_curl_line_reproduces_the_request(gzipped):
    with run_server(token=TOKEN) as server:
        http = Http(server.url, TOKEN)
        exchange = http.send("POST", COLLECTION_PATH, json=BODY, headers={"Zuora-Track-Id": "curl it"},
                             gzip_request=gzipped)
        http.close()
        assert exchange.status == 200
        line = exchange.curl(TOKEN)
        assert ("| gzip" in line) is gzipped
        result = subprocess.run(["bash", "-c", line], capture_output=True, text=True, timeout=30,
                                env={**os.environ, "BULKPDF_TOKEN": TOKEN})
    answer = json.loads(result.stdout)
    assert answer["success"] is True and answer["jobId"] != exchange.json()["jobId"]


def results() -> list[CheckResult]:
    return [
        CheckResult("alpha", "domain", PASSED, "fine", requests=3, duration=0.5),
        CheckResult("beta", "schemathesis", FAILED, "ST201 accepted\nmore", "curl -X POST http://h/x",
                    requests=9, failures=2, notes=["Expected: 400"]),
        CheckResult("gamma", "domain", SKIPPED, "needs seeding"),
    ]


def test_summary_table_lists_every_check_and_how_to_reproduce_failures():
    text = summary_table(results())
    assert "1 passed, 1 failed, 1 skipped" in text
    for name, status in (("alpha", "PASSED"), ("beta", "FAILED"), ("gamma", "SKIPPED")):
        row = next(line for line in text.splitlines() if line.startswith(name))
        assert status in row
    block = text[text.index("FAILED beta:"):]
    assert "Expected: 400" in block and "curl -X POST http://h/x" in block


def test_junit_xml_has_one_testcase_per_check(tmp_path):
    path = tmp_path / "deep" / "junit.xml"
    write_junit(results(), path, elapsed=1.5, target="http://h")
    suite = ET.parse(path).getroot().find("testsuite")
    assert suite.get("tests") == "3" and suite.get("failures") == "1" and suite.get("skipped") == "1"
    cases = {c.get("name"): c for c in suite.iter("testcase")}
    assert cases["alpha"].find("failure") is None
    failure = cases["beta"].find("failure")
    assert failure.get("message") == "ST201 accepted"
    assert "curl -X POST http://h/x" in failure.text
    assert cases["gamma"].find("skipped").get("message") == "needs seeding"
