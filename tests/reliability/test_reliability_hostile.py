"""Hostile input against ``bulkpdf serve``: each request gets a 4xx with Zuora's error body, the
server stays up and its memory (``VmHWM`` of the process) stays bounded.

Requests are written on plain sockets where a client library would refuse or fix them (CR/LF in
header values, a body larger than announced) or would buffer them (50 MB uploads).
"""

from __future__ import annotations

import functools
import gzip
import http.client
import zlib
from pathlib import Path

import httpx
import orjson
import pytest
from reliability_support import (
    AUTH,
    FULL,
    RawResponse,
    assert_zuora_error,
    check_zip,
    download_all,
    figure,
    http_head,
    job_body,
    raw_exchange,
    read_index,
    scaled,
    start_serve,
)

from bulkpdf_contract.spec import COLLECTION_PATH, load_contract

MIB = 2**20
MEMORY_BUDGET_KIB = 20 * load_contract().max_inflated_bytes // 1024
"""Growth of the server's peak RSS over its idle size allowed for any hostile input: 20 times the
largest body the contract accepts (16 MiB), because a 16 MiB JSON array of short strings is
already ~10 times that as Python objects. Bounded means: by the limit, not by the attack (a gzip
bomb or an amplifying validator would go far beyond)."""
JSON_TYPE = ("Content-Type", "application/json")
OTHER_TOKEN = "tenant-b-token"


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    base = tmp_path_factory.mktemp("hostile")
    running = start_serve(base / "data", "--token", "bulkpdf-test-token", "--token", OTHER_TOKEN,
                          log=base / "serve.log")
    running.idle = running.memory_kib()["VmHWM"]
    yield running
    figure("hostile input: server memory",
           f"idle {running.idle / 1024:.0f} MiB, peak after all hostile requests "
           f"{running.memory_kib()['VmHWM'] / 1024:.0f} MiB (budget: idle + {MEMORY_BUDGET_KIB // 1024} MiB)")
    running.stop()


@pytest.fixture
def own_server(serve, request):
    """A server for one test, killed afterwards: the inputs that once swamped the server (a minute
    of CPU, 1-2 GB) get their own, so a regression cannot spoil the shared server's figures."""
    running = serve()
    running.idle = running.memory_kib()["VmHWM"]
    yield running
    if running.alive():
        peak = running.memory_kib()["VmHWM"]
        figure(f"hostile input: {request.function.__doc__.strip()}",
               f"server peak RSS {peak / 1024:.0f} MiB (idle {running.idle / 1024:.0f} MiB)")
        running.kill9()


def post_raw(server, body, headers=(JSON_TYPE,), *, content_length=True, timeout=60.0) -> RawResponse:
    size = len(body) if content_length and isinstance(body, (bytes, bytearray)) else None
    head = http_head("POST", COLLECTION_PATH, [*AUTH.items(), *headers], size)
    return raw_exchange(server.url, head, body, timeout=timeout)


def assert_rejected(server, response: RawResponse, status: int | tuple[int, ...], words=()) -> dict:
    """A 4xx with Zuora's error body, and the server still up and within its memory budget."""
    statuses = (status,) if isinstance(status, int) else status
    assert response.status in statuses, (response.status, response.body[:500])
    payload = assert_zuora_error(response.status, response.headers, response.body)
    text = " ".join(r["message"] for r in payload["reasons"])
    for word in words:
        assert word in text, text
    assert_up(server)
    return payload


def assert_up(server) -> None:
    assert server.alive(), server.output()[-3000:]
    host, port = server.url.removeprefix("http://").rsplit(":", 1)
    conn = http.client.HTTPConnection(host, int(port), timeout=30)
    try:
        conn.request("GET", f"{COLLECTION_PATH}/{'0' * 32}", headers=AUTH)
        assert conn.getresponse().status == 404
    finally:
        conn.close()
    grown = server.memory_kib()["VmHWM"] - server.idle
    assert grown < MEMORY_BUDGET_KIB, f"peak RSS grew by {grown // 1024} MiB"


def chunked(data: bytes, size: int = 65536):
    for i in range(0, len(data), size):
        piece = data[i:i + size]
        yield b"%x\r\n" % len(piece) + piece + b"\r\n"
    yield b"0\r\n\r\n"


@functools.lru_cache(maxsize=None)
def zeros_member(mib: int = 64) -> bytes:
    """One gzip member inflating to ``mib`` MiB of zeros (about 1/1000 of that on the wire)."""
    compressor = zlib.compressobj(6, zlib.DEFLATED, 16 + zlib.MAX_WBITS)
    block = bytes(MIB)
    return b"".join([*(compressor.compress(block) for _ in range(mib)), compressor.flush()])


# -- bodies ----------------------------------------------------------------------------------------
def test_malformed_json_is_400(server):
    for body in (b'{"documents": [', b"{'fileName': 'x'}", b'{"a": 1,}', b"[1, 2", b"\x00\x01\x02", b"nul"):
        assert_rejected(server, post_raw(server, body), 400, ["JSON"])


def test_invalid_utf8_is_400(server):
    for body in (b'{"fileName": "\xff\xfe"}', b'{"fileName": "\xc3\x28"}', b'{"fileName": "\xed\xa0\x80"}'):
        assert_rejected(server, post_raw(server, body), 400)


@pytest.mark.parametrize("content_type", [None, "text/plain", "application/xml", "application/x-www-form-urlencoded",
                                          "application/json; charset=latin-1", "multipart/form-data; boundary=x"])
def test_wrong_or_missing_content_type_is_415(server, content_type):
    headers = [] if content_type is None else [("Content-Type", content_type)]
    assert_rejected(server, post_raw(server, orjson.dumps(job_body(2, "x")), headers), 415, ["Content-Type"])


def test_empty_body_is_400(server):
    for body in (b"", b"   \r\n\t "):
        assert_rejected(server, post_raw(server, body), 400, ["empty"])


def test_a_50_mb_body_is_413_without_reading_it(server):
    body = b'{"fileName": "' + b"a" * (50 * MIB) + b'"}'
    announced = post_raw(server, body)
    assert_rejected(server, announced, 413)
    streamed = post_raw(server, chunked(body), [JSON_TYPE, ("Transfer-Encoding", "chunked")], content_length=False)
    assert_rejected(server, streamed, 413)


def test_a_body_longer_than_announced_is_cut_at_the_announced_length(server):
    body = orjson.dumps(job_body(2, "x"))
    head = http_head("POST", COLLECTION_PATH, [*AUTH.items(), JSON_TYPE], 10)
    assert_rejected(server, raw_exchange(server.url, head, body), 400, ["JSON"])


def test_a_gzip_bomb_is_413_and_never_inflated(server):
    member = zeros_member()
    copies = scaled(16, 64)  # 1 GiB / 4 GiB of zeros from 1 MB / 4 MB on the wire
    for bomb in (member, member * copies):
        response = post_raw(server, bomb, [JSON_TYPE, ("Content-Encoding", "gzip")])
        assert_rejected(server, response, 413, ["inflates"])
    figure("gzip bomb", f"{len(member) * copies / MIB:.1f} MiB on the wire, {copies * 64 / 1024:.0f} GiB inflated "
                        "-> 413, inflation stopped at 16 MiB")


def test_broken_gzip_is_400(server):
    whole = gzip.compress(orjson.dumps(job_body(2, "x")))
    for body in (whole[:-9], b"\x1f\x8b\x08\x00garbage", b"not gzip at all"):
        assert_rejected(server, post_raw(server, body, [JSON_TYPE, ("Content-Encoding", "gzip")]), 400)
    assert_rejected(server, post_raw(server, whole, [JSON_TYPE, ("Content-Encoding", "br")]), 415)


def test_deeply_nested_json_is_400(server):
    depth = scaled(100_000, 1_000_000)
    for body in (b"[" * depth + b"]" * depth,
                 b'{"documents": ' + b'{"a": ' * depth + b"1" + b"}" * depth + b', "fileName": "x"}'):
        assert_rejected(server, post_raw(server, body), 400, ["depth"])


def test_a_million_object_ids_is_rejected_quickly(server):
    full_ids = orjson.dumps(job_body(1_000_000, "million"))  # 35 MB: over the body limit
    assert_rejected(server, post_raw(server, full_ids), 413)
    squeezed = gzip.compress(full_ids, 1)  # 2-4 MB on the wire, 35 MB inflated
    assert_rejected(server, post_raw(server, squeezed, [JSON_TYPE, ("Content-Encoding", "gzip")]), 413)


@pytest.mark.timeout(120)
def test_a_million_short_object_ids_fit_the_body_limit_and_are_rejected_quickly(own_server):
    """1,000,000 short objectIds (8.9 MB)"""
    body = orjson.dumps({"documents": [{"docType": "Invoice", "objectIds": [f"{i:x}" for i in range(1_000_000)]}],
                         "fileName": "million", "indexFileFormat": "CSV"})
    assert len(body) < 16 * MIB
    response = post_raw(own_server, body, timeout=5)
    payload = assert_rejected(own_server, response, 400, ["50000"])
    assert len(response.body) < MIB, f"an error body of {len(response.body):,} bytes"
    assert len(payload["reasons"]) <= 1000


@pytest.mark.timeout(120)
def test_a_large_body_of_the_wrong_shape_keeps_memory_bounded(own_server):
    """a 14 MB body: one unknown field, 2.4M strings"""
    body = orjson.dumps({"unknownField": ["lol"] * scaled(2_400_000, 2_700_000)})
    assert len(body) < 16 * MIB
    assert_rejected(own_server, post_raw(own_server, body, timeout=60), 400, ["unknownField"])


# -- strings and headers ---------------------------------------------------------------------------
@pytest.mark.parametrize("change, words", [
    ({"fileName": "a\u0000b"}, ["fileName"]),
    ({"fileName": "tab\there"}, ["fileName"]),
    ({"fileName": "bell\u0007"}, ["fileName"]),
    ({"fileName": "del\u007f"}, ["fileName"]),
    ({"name": "a\u0000b" * 20}, ["name"]),
    ({"indexFileFormat": "CSV\u0000"}, ["indexFileFormat"]),
    ({"documents": [{"docType": "Invoice\u0000", "objectIds": ["0" * 32]}]}, ["docType"]),
    ({"documents": [{"docType": "Invoice", "objectIds": ["\u0000" * 32]}]}, ["objectIds"]),
    ({"documents": [{"docType": "Invoice", "objectIds": ["0" * 31 + "\n"]}]}, ["objectIds"]),
])
def test_nul_and_control_characters_in_strings_are_400(server, change, words):
    assert_rejected(server, post_raw(server, orjson.dumps({**job_body(2, "x"), **change})), 400, words)


def test_unknown_fields_are_400(server):
    for extra in ({"surprise": 1}, {"__proto__": {"admin": True}}, {"fileName\u0000": "x"}, {"": None}):
        assert_rejected(server, post_raw(server, orjson.dumps({**job_body(2, "x"), **extra})), 400,
                        ["schema.additionalProperties"])
    nested = job_body(2, "x")
    nested["documents"][0]["extra"] = "field"
    assert_rejected(server, post_raw(server, orjson.dumps(nested)), 400, ["extra"])


@pytest.mark.parametrize("name, value", [
    (b"Zuora-Track-Id", b"abc\rdef"), (b"Zuora-Track-Id", b"abc\ndef"), (b"Zuora-Track-Id", b"abc\x00def"),
    (b"X-Padding", b"a" * 2**20),
], ids=["CR", "LF", "NUL", "1-MiB-header"])
def test_requests_the_http_parser_refuses_get_zuoras_error_body(server, name, value):
    body = orjson.dumps(job_body(2, "x"))
    response = post_raw(server, body, [JSON_TYPE, (name, value)])
    assert_rejected(server, response, 400)


def test_crlf_in_a_header_value_never_splits_the_response(server):
    """``a\\r\\nX-Injected: 1`` is two header lines on the wire; what matters is the answer:
    the echoed track ID holds no line break and no injected header comes back."""
    body = orjson.dumps(job_body(2, "x"))
    for value in (b"abc\r\nX-Injected: yes", b"abc\r\n X-Injected: yes", b"abc\r\n\tX-Injected: yes"):
        response = post_raw(server, body, [JSON_TYPE, (b"Zuora-Track-Id", value)])
        lines = response.raw_head.split(b"\r\n")
        assert not [line for line in lines if b"\r" in line or b"\n" in line]
        assert b"x-injected" not in [line.split(b":", 1)[0].strip().lower() for line in lines[1:]]
        assert response.status in (200, 400), response.body
        if response.status == 400:
            assert_rejected(server, response, 400)
    assert_up(server)


@pytest.mark.parametrize("name", ["Zuora-Track-Id", "Idempotency-Key", "Zuora-Version"])
def test_long_header_values_are_400(server, name):
    """(``Zuora-Entity-Ids`` has no length limit in the contract; it is only hashed into the tenant.)"""
    response = post_raw(server, orjson.dumps(job_body(2, "x")), [JSON_TYPE, (name, "a" * 12_000)])
    assert_rejected(server, response, 400, [name])


def test_huge_headers_are_refused_without_buffering_them(server):
    body = orjson.dumps(job_body(2, "x"))
    for size in (MIB, 20 * MIB):
        response = post_raw(server, body, [JSON_TYPE, ("X-Padding", "a" * size)])
        assert_rejected(server, response, 400, ["malformed"])
    response = post_raw(server, body, [JSON_TYPE, *((f"X-Many-{i}", "v") for i in range(5000))])
    assert response.status in (200, 400, 431)
    assert_up(server)


# -- file names, formulas, tenants ---------------------------------------------------------------------
def files_outside(data_dir: Path) -> list[Path]:
    root = data_dir.resolve()
    return [p for p in data_dir.rglob("*") if root not in p.resolve().parents]


@pytest.mark.parametrize("file_name", ["../../etc/x", "a/b", "a\\b", "C:x", "x\u0000", "..\\..\\x", "/abs",
                                       "a:b", "<x>", "x|y", "x?", "x*", 'x"'])
def test_path_like_file_names_are_400(server, file_name):
    response = post_raw(server, orjson.dumps(job_body(2, file_name)))
    assert_rejected(server, response, 400, ["fileName"])


@pytest.mark.parametrize("file_name", ["..", ".", " x", "x ", "CON", "%2e%2e%2fx", "\u2025", "\uff0e\uff0e\uff0fx",
                                       "name.zip", "ab" * 16])
def test_odd_but_valid_file_names_stay_inside_the_data_dir(server, file_name):
    with server.client() as client:
        response = client.post(COLLECTION_PATH, json=job_body(3, file_name, start=77_000), headers=AUTH)
        assert response.status_code == 200, response.text
        job = client.wait(response.json()["jobId"], 30)
    assert job["status"] == "Completed"
    (archive, rows), = download_all(job)
    assert len(rows) == 3
    assert job["fileUrls"][0].startswith(f"{server.url}/")
    assert httpx.URL(job["fileUrls"][0]).path.rsplit("/", 1)[1] == f"{file_name}_1.zip"
    assert not files_outside(server.data_dir)
    assert all(p.name != f"{file_name}_1.zip" for p in server.data_dir.rglob("*"))


SEEDED = [
    {"id": f"{0xF0 + i:032x}", "docType": "Invoice", "accountNumber": account, "documentNumber": number,
     "pdfFileName": pdf}
    for i, (account, number, pdf) in enumerate([
        ("=HYPERLINK(\"http://x\")", "+1+1", "=cmd.pdf"),
        ("+41 22", "-2-2", "+plus.pdf"),
        ("-5", "@SUM(A1)", "-minus.pdf"),
        ("@A1", "=1", "@at.pdf"),
        ("\tTAB", "\rCR", "plain.pdf"),
        ("ok", "INV-1", "..pdf"),
    ])
]


def test_csv_index_cells_cannot_run_as_formulas(server):
    with server.client() as client:
        seeded = client.post("/_mock/documents", json=SEEDED, headers=AUTH)
        assert seeded.status_code == 200, seeded.text
        body = {"documents": [{"docType": "Invoice", "objectIds": [d["id"] for d in SEEDED]}],
                "fileName": "formulas", "indexFileFormat": "CSV"}
        response = client.post(COLLECTION_PATH, json=body, headers=AUTH)
        assert response.status_code == 200, response.text
        job = client.wait(response.json()["jobId"], 30)
        json_body = {**body, "fileName": "formulas-json", "indexFileFormat": "JSON"}
        json_job = client.wait(client.post(COLLECTION_PATH, json=json_body, headers=AUTH).json()["jobId"], 30)
    assert job["status"] == "Completed", job
    (archive, rows), = download_all(job)
    cells = [value for row in rows for value in row.values()]
    assert cells and not [c for c in cells if c[:1] in ("=", "+", "-", "@", "\t", "\r")], cells
    by_number = {unquote(r["documentNumber"]): r for r in rows}
    for doc in SEEDED:
        row = by_number[doc["documentNumber"]]
        assert unquote(row["accountNumber"]) == doc["accountNumber"]
        assert unquote(row["pdfFileName"]) == doc["pdfFileName"]
    # JSON has no formulas: the values stay exactly as seeded
    (_, json_rows), = download_all(json_job)
    assert sorted(r["accountNumber"] for r in json_rows) == sorted(d["accountNumber"] for d in SEEDED)
    check_zip(httpx.get(job["fileUrls"][0]).content)
    assert read_index(archive)


def unquote(value: str) -> str:
    return value[1:] if value[:1] == "'" and value[1:2] in ("=", "+", "-", "@", "\t", "\r") else value


def test_another_tenants_token_sees_404_and_an_unknown_token_401(server):
    with httpx.Client(base_url=server.url, timeout=30) as client:
        response = client.post(COLLECTION_PATH, json=job_body(2, "mine", start=88_000), headers=AUTH)
        job_id = response.json()["jobId"]
        other = {"Authorization": f"Bearer {OTHER_TOKEN}"}
        theirs = client.get(f"{COLLECTION_PATH}/{job_id}", headers=other)
        assert theirs.status_code == 404
        assert_zuora_error(404, theirs.headers, theirs.content, method="GET")
        for headers in ({"Authorization": "Bearer not-a-tenant"}, {"Authorization": f"Bearer {OTHER_TOKEN}x"},
                        {"Authorization": "Bearer"}, {"Authorization": f"Basic {OTHER_TOKEN}"}, {}):
            for method, path in (("GET", f"{COLLECTION_PATH}/{job_id}"), ("POST", COLLECTION_PATH)):
                answer = client.request(method, path, json=job_body(2, "x") if method == "POST" else None,
                                        headers=headers)
                assert answer.status_code == 401, (headers, answer.text)
                assert_zuora_error(401, answer.headers, answer.content, method=method)
        # the other tenant's replay of the same key is its own, not ours
        key = {"Idempotency-Key": "shared-key"}
        mine = client.post(COLLECTION_PATH, json=job_body(2, "k", start=88_100), headers={**AUTH, **key})
        their = client.post(COLLECTION_PATH, json=job_body(2, "k", start=88_100), headers={**other, **key})
        assert mine.json()["jobId"] != their.json()["jobId"]
    assert_up(server)


def test_the_server_is_still_up_and_bounded_after_everything(server):
    assert_up(server)
    with server.client() as client:
        response = client.post(COLLECTION_PATH, json=job_body(5, "still-alive", start=99_000), headers=AUTH)
        assert response.status_code == 200
        assert client.wait(response.json()["jobId"], 30)["status"] == "Completed"
    assert not FULL or server.memory_kib()["VmHWM"] - server.idle < MEMORY_BUDGET_KIB
