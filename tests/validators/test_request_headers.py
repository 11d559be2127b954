"""Request headers and methods: Zuora-Track-Id, Idempotency-Key, the other declared headers,
header containers, and methods the endpoint lacks.
"""

from __future__ import annotations

import pytest

from bulkpdf_contract.validators import header_items

from validators_support import SEED, check, rules


# -- Zuora-Track-Id ---------------------------------------------------------------------------------------
def test_track_id_64_ok_65_rejected():
    assert check(SEED, {"Zuora-Track-Id": "t" * 64}) == []
    findings = check(SEED, {"Zuora-Track-Id": "t" * 65})
    assert rules(findings) == [("schema.maxLength", "/headers/Zuora-Track-Id")]
    assert "65 characters" in findings[0].message and "at most 64" in findings[0].message


@pytest.mark.parametrize("char", [":", ";", '"', "'"])
def test_track_id_forbidden_characters_are_named(char):
    findings = check(SEED, {"Zuora-Track-Id": f"job-42{char}x"})
    assert rules(findings) == [("charset.forbidden-character", "/headers/Zuora-Track-Id")]
    message = findings[0].message
    assert repr(char) in message and f"U+{ord(char):04X}" in message and "position 7" in message
    assert "colon (:), semicolon (;), double quote (\") and quote (')" in message


@pytest.mark.parametrize("char", ["é", "€", "😀", "\u00a0", "\u0085"])
def test_track_id_non_ascii(char):
    findings = check(SEED, {"Zuora-Track-Id": f"id{char}"})
    assert rules(findings) == [("charset.non-ascii", "/headers/Zuora-Track-Id")]
    assert repr(char) in findings[0].message and "US-ASCII" in findings[0].message


@pytest.mark.parametrize("char", ["\x00", "\t", "\r", "\n", "\x7f"])
def test_track_id_control_characters(char):
    findings = check(SEED, {"Zuora-Track-Id": f"id{char}x"})
    assert rules(findings) == [("charset.control-character", "/headers/Zuora-Track-Id")]
    assert f"U+{ord(char):04X}" in findings[0].message


def test_track_id_allows_every_other_printable_ascii_character():
    allowed = "".join(chr(c) for c in range(0x20, 0x7F) if chr(c) not in ":;\"'")
    for start in range(0, len(allowed), 64):
        assert check(SEED, {"Zuora-Track-Id": allowed[start:start + 64]}) == []


def test_track_id_too_long_and_bad_character_give_both_findings():
    assert rules(check(SEED, {"Zuora-Track-Id": ";" * 65})) == [
        ("charset.forbidden-character", "/headers/Zuora-Track-Id"),
        ("schema.maxLength", "/headers/Zuora-Track-Id"),
    ]


# -- Idempotency-Key ------------------------------------------------------------------------------------------
def test_idempotency_key_255_ok_256_rejected():
    assert check(SEED, {"Idempotency-Key": "k" * 255}) == []
    findings = check(SEED, {"Idempotency-Key": "k" * 256})
    assert rules(findings) == [("schema.maxLength", "/headers/Idempotency-Key")]
    assert "at most 255" in findings[0].message


def test_idempotency_key_empty_gives_one_finding():
    findings = check(SEED, {"Idempotency-Key": ""})
    assert rules(findings) == [("schema.minLength", "/headers/Idempotency-Key")]


def test_idempotency_key_space_is_named():
    findings = check(SEED, {"Idempotency-Key": "a b"})
    assert rules(findings) == [("charset.forbidden-character", "/headers/Idempotency-Key")]
    assert "' '" in findings[0].message


@pytest.mark.parametrize("name", ["Idempotency-Key", "idempotency-key", "IDEMPOTENCY-KEY"])
def test_idempotency_key_on_get_is_rejected(name):
    findings = check(None, {name: "3f2a"}, "GET")
    assert rules(findings) == [("idempotency-key.method", "/headers/Idempotency-Key")]
    assert "POST and PATCH" in findings[0].message and "GET" in findings[0].message


def test_idempotency_key_on_post_is_fine_and_unknown_headers_are_ignored():
    assert check(SEED, {"Idempotency-Key": "3f2a", "Authorization": "Bearer x", "X-Other": "?"}) == []
    assert check(None, {"Authorization": "Bearer x", "Accept": "application/json"}, "GET") == []


# -- header names, values and shapes ----------------------------------------------------------------------
@pytest.mark.parametrize("name", ["zuora-track-id", "ZUORA-TRACK-ID", "zUoRa-TrAcK-iD"])
def test_header_names_match_case_insensitively_with_canonical_pointers(name):
    assert check(SEED, {name: "fine"}) == []
    assert rules(check(SEED, {name: "x:y"})) == [("charset.forbidden-character", "/headers/Zuora-Track-Id")]


@pytest.mark.parametrize("version", ["2025-08-12", "2024-05-20", "2024-12-31", "2025-01-01", "211.0", "186.0"])
def test_zuora_version_accepted(version):
    assert check(SEED, {"Zuora-Version": version}) == []


@pytest.mark.parametrize("version", ["211", "211.1", "21.0", "2025-8-12", "latest", "", "2025-08-12\n", " 211.0",
                                     "2025-13-01", "2025-00-10", "2025-01-32", "2025-01-00"])
def test_zuora_version_rejected(version):
    findings = check(SEED, {"zuora-version": version})
    assert rules(findings) == [("schema.pattern", "/headers/Zuora-Version")]


@pytest.mark.parametrize("value", ["gzip", "identity"])
def test_content_encoding_accepted(value):
    assert check(SEED, {"Content-Encoding": value}) == []


def test_content_encoding_other_values_list_the_allowed_ones():
    findings = check(SEED, {"Content-Encoding": "br"})
    assert rules(findings) == [("schema.enum", "/headers/Content-Encoding")]
    assert "gzip, identity" in findings[0].message


def test_zuora_entity_ids_must_not_be_empty():
    findings = check(SEED, {"Zuora-Entity-Ids": ""})
    assert rules(findings) == [("schema.pattern", "/headers/Zuora-Entity-Ids")]
    assert "empty" in findings[0].message and "allowed" in findings[0].message


@pytest.mark.parametrize("value, kind", [(211, "an integer"), (None, "null"), (True, "a boolean"), (["a", "b"], "an array")])
def test_header_values_must_be_strings(value, kind):
    findings = check(SEED, {"Zuora-Version": value})
    assert rules(findings) == [("schema.type", "/headers/Zuora-Version")]
    assert kind in findings[0].message and "expected string" in findings[0].message


@pytest.mark.parametrize("headers", [
    {"Zuora-Track-Id": "abc"},
    [("zuora-track-id", "abc")],
    [["Zuora-Track-Id", "abc"]],
    [(b"zuora-track-id", b"abc")],
    {"Zuora-Track-Id": ["abc"]},  # schemathesis keeps header values as lists
])
def test_header_container_shapes(headers):
    assert check(SEED, headers) == []
    assert [value for _, value in header_items(headers)] == ["abc"]
    bad = {"Zuora-Track-Id": ["a:b"]} if isinstance(headers, dict) else [("Zuora-Track-Id", "a:b")]
    assert rules(check(SEED, bad)) == [("charset.forbidden-character", "/headers/Zuora-Track-Id")]


def test_httpx_headers_are_read():
    httpx = pytest.importorskip("httpx")
    assert check(SEED, httpx.Headers({"zuora-track-id": "a;b"})) == check(SEED, {"Zuora-Track-Id": "a;b"})


@pytest.mark.parametrize("headers", ["Zuora-Track-Id: x", 5, [("only-a-name",)], ["ab"], 1.5])
def test_unusable_header_containers_give_a_finding(headers):
    findings = check(SEED, headers)
    assert rules(findings) == [("schema.type", "/headers")]
    assert "expected an object mapping header names" in findings[0].message


@pytest.mark.parametrize("method", ["PUT", "DELETE", "PATCH", "get-it", None, 3])
def test_methods_the_endpoint_lacks(method):
    findings = check(SEED, None, method)
    assert rules(findings) == [("request.method", "")]
    assert "POST" in findings[0].message and "GET" in findings[0].message


def test_get_has_no_body_and_its_headers_are_checked():
    assert check(None, {"Zuora-Track-Id": "ok"}, "get") == []
    assert rules(check(SEED, None, "GET")) == [("request.unexpected-body", "")]
    assert rules(check(None, {"Zuora-Track-Id": "'"}, "GET")) == [
        ("charset.forbidden-character", "/headers/Zuora-Track-Id")]
