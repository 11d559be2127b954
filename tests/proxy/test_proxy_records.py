"""What the proxy leaves behind: the JSON-lines report, the HAR 1.2 file (tokens masked, readable
after every entry), and ``bulkpdf lint --har`` agreeing with the proxy on the same traffic."""

from __future__ import annotations

import json

import httpx
import orjson
import pytest
from proxy_support import TOKEN, Recording, body, converse, har_entries, proxied, upstream
from proxy_variants import BROKEN

from bulkpdf_contract.lint.har import har_violations, lint_har
from bulkpdf_contract.proxy import run_proxy
from bulkpdf_contract.spec import COLLECTION_PATH, TOKEN_PATH

REPORT_FIELDS = {"direction": str, "rule": str, "pointer": str, "message": str, "method": str, "path": str,
                 "status": (int, type(None)), "exchange": int}
ENTRY_FIELDS = {"startedDateTime", "time", "request", "response", "cache", "timings"}
REQUEST_FIELDS = {"method", "url", "httpVersion", "cookies", "headers", "queryString", "headersSize", "bodySize"}
RESPONSE_FIELDS = {"status", "statusText", "httpVersion", "cookies", "headers", "content", "redirectURL",
                   "headersSize", "bodySize"}


def test_the_report_has_one_json_line_per_violation(tmp_path):
    report = tmp_path / "violations.jsonl"
    with proxied(report=report) as (_, proxy):
        converse(proxy)
        violations = proxy.violations()
        lines = report.read_text().splitlines()  # flushed as written, while the proxy runs
    assert len(lines) == len(violations) > 0
    for line, violation in zip(lines, violations):
        record = json.loads(line)
        assert set(record) == set(REPORT_FIELDS)
        assert all(isinstance(record[k], t) for k, t in REPORT_FIELDS.items())
        assert record == violation.to_dict() and record["direction"] in ("request", "response")


def test_the_har_file_is_har_1_2_and_whole_after_every_entry(tmp_path):
    har = tmp_path / "traffic.har"
    with proxied(har=har) as (_, proxy):
        with httpx.Client(base_url=proxy.url, headers={"Authorization": f"Bearer {TOKEN}"}) as client:
            for n in range(3):
                client.post(COLLECTION_PATH, json=body(1), headers={"Accept-Encoding": "gzip", "X-N": str(n)})
                proxy.recorder.wait_idle(30)
                assert len(har_entries(har)) == n + 1  # parses as a whole HAR document each time
    document = json.loads(har.read_text())
    log = document["log"]
    assert log["version"] == "1.2" and log["creator"]["name"] == "bulkpdf proxy"
    for entry in log["entries"]:
        assert ENTRY_FIELDS <= set(entry) and REQUEST_FIELDS <= set(entry["request"])
        assert RESPONSE_FIELDS <= set(entry["response"]) and {"send", "wait", "receive"} <= set(entry["timings"])
        assert entry["startedDateTime"].endswith("+00:00") and entry["time"] >= 0
        assert entry["request"]["url"].endswith(COLLECTION_PATH)
        assert json.loads(entry["request"]["postData"]["text"]) == body(1)
        assert json.loads(entry["response"]["content"]["text"])["success"] is True


def test_tokens_are_masked_in_the_har_file_as_stable_pseudonyms(tmp_path):
    token_answer = orjson.dumps({"access_token": "issued-secret-token", "token_type": "bearer", "expires_in": 3599})
    recording = Recording(by_path={TOKEN_PATH: token_answer})
    har = tmp_path / "traffic.har"
    with upstream(recording) as url, run_proxy(url, har=har) as proxy:
        with httpx.Client(base_url=proxy.url) as client:
            client.post(TOKEN_PATH, content=b"client_id=" + b"c" * 36 + b"&client_secret=the-client-secret"
                        b"&grant_type=client_credentials",
                        headers={"Content-Type": "application/x-www-form-urlencoded"})
            for _ in range(2):
                client.get(COLLECTION_PATH + "/" + "a" * 32, headers={"Authorization": "Bearer issued-secret-token"})
            client.get(COLLECTION_PATH + "/" + "a" * 32, headers={"Authorization": "Bearer another-token"})
    text = har.read_text()
    assert "issued-secret-token" not in text and "the-client-secret" not in text and "another-token" not in text
    entries = har_entries(har)
    auth = [next(h["value"] for h in e["request"]["headers"] if h["name"] == "authorization") for e in entries[1:]]
    assert auth[0] == auth[1] != auth[2] and all(a.startswith("Bearer masked-") for a in auth)
    issued = json.loads(entries[0]["response"]["content"]["text"])["access_token"]
    assert auth[0] == f"Bearer {issued}"  # the issued token and its use carry the same pseudonym
    assert "client_secret=masked-" in entries[0]["request"]["postData"]["text"]


@pytest.mark.parametrize("broken", [None, *(b for b in BROKEN if b.name in (
    "replay-creates-a-job", "zips-misnamed", "status-moves-backwards", "request-id-missing"))],
    ids=lambda b: "faithful" if b is None else b.name)
def test_lint_har_agrees_with_the_proxy_on_the_same_traffic(tmp_path, broken):
    har = tmp_path / "traffic.har"
    with proxied(broken.build() if broken else None, har=har) as (_, proxy):
        converse(proxy)
        live = proxy.violations()
    offline, unreadable = har_violations(har_entries(har))
    assert unreadable == []
    assert sorted((v.exchange, v.direction, v.rule, v.pointer, v.status) for _, v in offline) == sorted(
        (v.exchange, v.direction, v.rule, v.pointer, v.status) for v in live)
    assert len(lint_har(str(har))) == len(live)


def test_a_gzip_answer_is_recorded_decoded(tmp_path):
    har = tmp_path / "traffic.har"
    with proxied(har=har) as (_, proxy):
        bad = {**body(1), "documents": [{"docType": "Invoice", "objectIds": [f"bad-{i}" for i in range(40)]}]}
        answer = httpx.post(proxy.url + COLLECTION_PATH, json=bad,
                            headers={"Authorization": f"Bearer {TOKEN}", "Accept-Encoding": "gzip"})
    assert answer.headers["content-encoding"] == "gzip"
    (entry,) = har_entries(har)
    content = entry["response"]["content"]
    assert json.loads(content["text"]) == answer.json() and content["compression"] > 0
    assert entry["response"]["bodySize"] == int(answer.headers["content-length"])
