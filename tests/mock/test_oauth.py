"""``POST /oauth/token`` and the tokens it issues: client credentials, tenants per client, expiry
on the mock's clock, static tokens beside clients, the token rate limit, and hostile token
requests (each a 400 or 401 with Zuora's error body, never a 5xx, never a token)."""

from __future__ import annotations

import re
from urllib.parse import urlencode

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from bulkpdf_contract.mock import Clock, create_app
from bulkpdf_contract.spec import COLLECTION_PATH, TOKEN_PATH, load_contract
from bulkpdf_contract.validators import validate_token_response

from mock_support import AUTH, FROZEN_AT, seed_request

CLIENT_A = "a" * 8 + "-0000-4000-8000-" + "a" * 12
CLIENT_B = "b" * 8 + "-0000-4000-8000-" + "b" * 12
SECRET_A, SECRET_B = "secret-of-a", "s" * 42
CLIENTS = {CLIENT_A: SECRET_A, CLIENT_B: SECRET_B}
FORM = {"Content-Type": "application/x-www-form-urlencoded"}


def form(client_id=CLIENT_A, secret=SECRET_A, grant="client_credentials", **extra) -> str:
    return urlencode({"client_id": client_id, "client_secret": secret, "grant_type": grant, **extra})


def request_token(api, body=None, headers=None):
    return api.client.post(TOKEN_PATH, content=form() if body is None else body,
                           headers={**FORM, **(headers or {})})


def token_of(api, client_id=CLIENT_A, secret=SECRET_A) -> dict[str, str]:
    response = request_token(api, form(client_id, secret))
    assert response.status_code == 200, response.text
    return {"Authorization": f"Bearer {response.json()['access_token']}"}


def assert_refused(response, status: int, category: str) -> dict:
    """Zuora's error body for a token request, valid for the contract, and no token in it."""
    assert response.status_code == status, response.text
    assert "access_token" not in response.text
    body = response.json()
    assert body["success"] is False and body["requestId"] == response.headers["Zuora-Request-Id"]
    assert any(r["code"] == "515800" + category for r in body["reasons"]), body
    assert validate_token_response(status, response.content) == []
    if status == 401:  # Zuora's gateway message, which Zuora's SDK reads (ProxyUnauthorizedResponse)
        assert body["message"] == "Authentication error"
    elif status == 400 and response.request.url.path == TOKEN_PATH:  # the SDK's CommonErrorResponse
        assert body["message"] == body["reasons"][0]["message"]
    return body


@pytest.fixture
def oauth(make_api):
    return make_api(clients=CLIENTS, clock=Clock(frozen_at=FROZEN_AT))


def test_a_client_gets_zuoras_token_response(oauth):
    response = request_token(oauth, headers={"Zuora-Track-Id": "token-trace", "Zuora-Entity-Ids": "entity-1"})
    assert response.status_code == 200
    body = response.json()
    assert validate_token_response(200, response.content) == []
    assert set(body) == {"access_token", "token_type", "expires_in", "scope", "jti"}
    assert body["token_type"] == "bearer" and body["expires_in"] == load_contract().token_lifetime_seconds == 3600
    assert re.fullmatch(r"user\.[0-9a-f]{32} entity\.entity-1", body["scope"])
    assert body["jti"] in body["access_token"]
    assert response.headers["Cache-Control"] == "no-store" and response.headers["Pragma"] == "no-cache"
    assert response.headers["Zuora-Track-Id"] == "token-trace"
    assert len(response.headers["Zuora-Request-Id"]) == 36
    assert response.headers["X-RateLimit-Remaining-minute"].isdigit()
    assert "RateLimit-Limit" not in response.headers and "Concurrency-Limit-Type" not in response.headers
    second = request_token(oauth).json()
    assert second["access_token"] != body["access_token"] and second["jti"] != body["jti"]


def test_issued_tokens_work_and_each_client_is_its_own_tenant(oauth):
    first, second = token_of(oauth), token_of(oauth)
    created = oauth.post_job(headers=first).json()
    assert created["success"] is True
    job = oauth.wait(created["jobId"], headers=second)  # another token of the same client
    assert job["createdBy"] == request_token(oauth).json()["scope"].removeprefix("user.")
    assert_refused(oauth.get_job(created["jobId"], token_of(oauth, CLIENT_B, SECRET_B)), 404, "40")
    assert_refused(oauth.get_job(created["jobId"], AUTH), 404, "40")  # the static token is a tenant too


def test_static_tokens_keep_working_beside_clients(make_api):
    api = make_api(clients=CLIENTS, token=["static-1"])
    static = {"Authorization": "Bearer static-1"}
    job_id = api.post_job(headers=static).json()["jobId"]
    assert api.get_job(job_id, static).status_code == 200
    assert api.post_job(headers=token_of(api)).status_code == 200
    assert_refused(api.post_job(headers=AUTH), 401, "11")  # the default token is not among them


def test_only_issued_tokens_with_an_empty_token_list(make_api):
    api = make_api(clients=CLIENTS, token=())
    assert_refused(api.post_job(headers=AUTH), 401, "11")
    assert api.post_job(headers=token_of(api)).status_code == 200


def test_an_issued_token_expires_on_the_mocks_clock(make_api):
    clock = Clock(frozen_at=FROZEN_AT)
    api = make_api(clients=CLIENTS, clock=clock, token_ttl=600)
    response = request_token(api)
    assert response.json()["expires_in"] == 600
    headers = {"Authorization": f"Bearer {response.json()['access_token']}"}
    job_id = api.post_job(headers=headers).json()["jobId"]
    clock.advance(599.9)
    assert api.get_job(job_id, headers).status_code == 200
    clock.advance(0.1)
    expired = assert_refused(api.get_job(job_id, headers), 401, "11")
    assert "expired" in expired["reasons"][0]["message"]
    assert api.get_job(job_id, token_of(api)).status_code == 200  # a new token, the same tenant


def test_tokens_survive_a_restart_and_die_with_a_changed_secret(tmp_path):
    from mock_support import open_api

    clock = Clock(frozen_at=FROZEN_AT)
    first = open_api("http", data_dir=tmp_path, clients=CLIENTS, clock=clock, job_process=False)
    headers = token_of(first)
    job_id = first.post_job(headers=headers).json()["jobId"]
    first.close()
    again = open_api("http", data_dir=tmp_path, clients=CLIENTS, clock=clock, job_process=False)
    try:
        assert again.get_job(job_id, headers).status_code == 200
        assert (tmp_path / "oauth.key").stat().st_mode & 0o777 == 0o600
    finally:
        again.close()
    changed = open_api("http", data_dir=tmp_path, clients={CLIENT_A: "a new secret"}, clock=clock, job_process=False)
    try:
        assert_refused(changed.get_job(job_id, headers), 401, "11")
        assert changed.get_job(job_id, token_of(changed, CLIENT_A, "a new secret")).status_code == 200
    finally:
        changed.close()


def test_a_forged_or_foreign_token_is_refused(oauth, make_api):
    token = request_token(oauth).json()["access_token"]
    jti, expiry, tag, mac = token.split(".")
    forged = [f"{jti}.{int(expiry) + 10**9}.{tag}.{mac}", f"{jti}.{expiry}.{tag}.{'0' * 32}", token + ".x",
              token.upper()]
    for candidate in forged:
        assert_refused(oauth.post_job(headers={"Authorization": f"Bearer {candidate}"}), 401, "11")
    other_server = make_api(clients=CLIENTS)  # another data directory, another key
    assert_refused(other_server.post_job(headers={"Authorization": f"Bearer {token}"}), 401, "11")


@pytest.mark.parametrize("body, why", [
    (form(secret="wrong"), "a wrong secret"),
    (form(client_id="c" * 36), "an unknown client"),
    (form(client_id=CLIENT_A.upper()), "a client ID in the wrong case"),
    (form(secret=SECRET_A + " "), "a secret with a trailing space"),
])
def test_wrong_credentials_are_401(oauth, body, why):
    body = assert_refused(request_token(oauth, body), 401, "11")
    assert "wrong or unknown" in body["reasons"][0]["message"], why


def test_a_server_without_clients_refuses_every_credential(api):
    assert_refused(request_token(api), 401, "11")


HOSTILE_FORMS = [
    ("", "an empty body", "22"),
    ("client_id=" + CLIENT_A, "missing fields", "22"),
    (form(grant="password"), "another grant type", "20"),
    (form(grant="CLIENT_CREDENTIALS"), "the grant type in capitals", "20"),
    (form(client_id=CLIENT_A[:-1]), "a 35-character client ID", "20"),
    (form(client_id=CLIENT_A + "a"), "a 37-character client ID", "20"),
    (form(secret="s" * 43), "a 43-character secret", "20"),
    (form(secret=""), "an empty secret", "20"),
    (form(scope="all"), "an unknown field", "21"),
    (form() + "&client_id=" + CLIENT_B, "a repeated field", "20"),
    (form() + "&grant_type", "a field without =", "20"),
    (form() + "&&", "empty fields", "20"),
    ("client_id=%ff%fe" + "a" * 34 + "&client_secret=x&grant_type=client_credentials", "percent-encoded non-UTF-8", "20"),
    ("&".join(f"f{i}=1" for i in range(40)), "too many fields", "20"),
    (form() + "&pad=" + "x" * 5000, "a form over the size limit", "20"),
]


@pytest.mark.parametrize("body, why, category", HOSTILE_FORMS, ids=[w for _, w, _ in HOSTILE_FORMS])
def test_a_body_that_is_not_one_form_of_the_three_fields_is_400(oauth, body, why, category):
    assert_refused(request_token(oauth, body), 400, category)


@pytest.mark.parametrize("headers, content, why", [
    ({"Content-Type": "application/json"}, b'{"client_id": "x", "client_secret": "y", "grant_type": "client_credentials"}',
     "JSON instead of a form"),
    ({}, form().encode(), "no Content-Type"),
    ({"Content-Type": "text/plain"}, form().encode(), "text/plain"),
    ({"Content-Type": "multipart/form-data; boundary=x"}, b"--x\r\n\r\n--x--", "multipart"),
    ({**FORM, "Content-Type": "application/x-www-form-urlencoded; charset=latin-1"}, form().encode(), "latin-1"),
    ({**FORM, "Content-Encoding": "gzip"}, form().encode(), "a compressed form"),
    (FORM, form().encode() + "é".encode("utf-8"), "raw non-ASCII bytes"),
    (FORM, b"\x00\xff" * 100, "binary garbage"),
    ({**FORM, "Zuora-Track-Id": "a:b"}, form().encode(), "an invalid Zuora-Track-Id"),
    ({**FORM, "Zuora-Entity-Ids": "two words"}, form().encode(), "an invalid Zuora-Entity-Ids"),
])
def test_a_request_that_is_no_token_form_is_400(oauth, headers, content, why):
    response = oauth.client.post(TOKEN_PATH, content=content, headers=headers)
    assert_refused(response, 400, "20")


def test_other_methods_are_405_and_authorization_is_ignored(oauth):
    for method in ("GET", "PUT", "DELETE"):
        response = oauth.client.request(method, TOKEN_PATH)
        assert_refused(response, 405, "45")
        assert response.headers["Allow"] == "POST"
    for authorization in ("Bearer stale-or-garbage", "Basic Zm9vOmJhcg==", AUTH["Authorization"]):
        assert request_token(oauth, headers={"Authorization": authorization}).status_code == 200


def test_a_streamed_oversized_form_is_refused_without_reading_it_all(make_api):
    api = make_api(clients=CLIENTS)
    if api.kind != "http":
        pytest.skip("a chunked upload needs a real connection")
    chunks = (b"x" * 1024 for _ in range(10_000))  # 10 MB, no Content-Length
    assert_refused(api.client.post(TOKEN_PATH, content=chunks, headers=FORM), 400, "20")


def test_token_requests_are_limited_per_address_and_api_requests_per_client(make_api):
    clock = Clock(frozen_at=FROZEN_AT)
    api = make_api(clients=CLIENTS, clock=clock, rate_limit=3)
    answers = [request_token(api) for _ in range(4)]
    assert [a.status_code for a in answers] == [200, 200, 200, 429]
    limited = answers[-1]
    assert_refused(limited, 429, "70")
    assert limited.headers["Retry-After"] == "60" and limited.headers["X-RateLimit-Remaining-minute"] == "0"
    assert limited.headers["X-RateLimit-Limit-minute"] == "3"
    first, second = (f"Bearer {a.json()['access_token']}" for a in answers[:2])
    statuses = [api.post_job(headers={"Authorization": t}).status_code for t in (first, second, first, second)]
    assert statuses == [200, 200, 200, 429]  # two tokens of one client share its budget
    assert api.post_job(headers={"Authorization": f"Bearer {answers[2].json()['access_token']}"}).status_code == 429
    clock.advance(60)
    assert request_token(api, form(CLIENT_B, SECRET_B)).status_code == 200


@pytest.mark.parametrize("clients, message", [
    ({"short": "x"}, "at least 36"),
    ({CLIENT_A: ""}, "empty"),
    ({CLIENT_A: "s" * 43}, "at most 42"),
    ([f"{CLIENT_A}"], "ID:SECRET"),
    ([f"{CLIENT_A}:x", f"{CLIENT_A}:y"], "twice"),
])
def test_unusable_clients_are_refused_at_creation(clients, message):
    with pytest.raises(ValueError, match=message):
        create_app(clients=clients)


def test_clients_as_id_secret_strings_and_a_bad_token_ttl():
    app = create_app(clients=[f"{CLIENT_A}:{SECRET_A}", f"{CLIENT_B}:with:colons"])
    try:
        assert app.state.mock.config.settings.clients == {CLIENT_A: SECRET_A, CLIENT_B: "with:colons"}
    finally:
        app.state.mock.close()
    with pytest.raises(ValueError, match="token_ttl"):
        create_app(token_ttl=0)


def test_the_plain_bulk_pdf_endpoint_still_refuses_without_a_token(oauth):
    assert_refused(oauth.client.post(COLLECTION_PATH, json=seed_request()), 401, "11")


@settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
@given(body=st.one_of(st.binary(max_size=300), st.text(max_size=300).map(str.encode),
                      st.dictionaries(st.sampled_from(["client_id", "client_secret", "grant_type", "scope", ""]),
                                      st.text(max_size=50), max_size=5).map(lambda d: urlencode(d).encode())),
       content_type=st.sampled_from([FORM["Content-Type"], "application/json", "text/plain", "", "multipart/form-data",
                                     FORM["Content-Type"] + "; charset=utf-8"]))
def test_no_token_request_gets_a_5xx_or_a_token_without_the_credentials(hostile_oauth, body, content_type):
    headers = {"Content-Type": content_type} if content_type else {}
    response = hostile_oauth.client.post(TOKEN_PATH, content=body, headers=headers)
    assert response.status_code in (400, 401), response.text
    assert "access_token" not in response.text
    assert validate_token_response(response.status_code, response.content) == []


@pytest.fixture(scope="module")
def hostile_oauth(tmp_path_factory):
    from mock_support import open_api

    api = open_api("asgi", data_dir=tmp_path_factory.mktemp("hostile"), clients=CLIENTS, job_process=False)
    yield api
    api.close()
