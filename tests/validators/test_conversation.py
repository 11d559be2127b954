"""The rules that span exchanges (:mod:`bulkpdf_contract.validators.conversation`): each caught
when broken, none raised by concurrent exchanges, other tenants, expired keys or jobs it never saw
created."""

from __future__ import annotations

import pytest
from exchange_support import create, exchange, poll, zip_urls
from validators_support import SEED

from bulkpdf_contract.spec import TOKEN_PATH, load_contract
from bulkpdf_contract.validators.conversation import Conversation
from bulkpdf_contract.validators.conversation import url_file_name

RETENTION = load_contract().idempotency_retention_seconds


def rules(conversation: Conversation, *exchanges) -> list[str]:
    return [v.rule for e in exchanges for v in conversation.observe(e)]


def many_ids(n: int) -> dict:
    return {**SEED, "documents": [{"docType": "Invoice", "objectIds": [f"{i:032x}" for i in range(n)]}],
            "fileName": "big"}


# -- idempotent replay ------------------------------------------------------------------------
def test_a_replay_with_the_same_job_id_is_right_and_a_new_job_is_caught():
    c = Conversation()
    assert rules(c, create("j1", key="k", started=0), create("j1", key="k", started=1)) == []
    found = c.observe(create("j2", key="k", started=2))
    assert [(v.rule, v.pointer) for v in found] == [("idempotency.replay-job-id", "/jobId")]
    assert "'j1'" in found[0].message and "'j2'" in found[0].message


def test_a_stored_400_may_not_turn_into_a_job_on_replay():
    c = Conversation()
    assert rules(c, create("-", key="k", status=400, started=0), create("j9", key="k", started=1)) == [
        "idempotency.replay-job-id"]


def test_a_replay_is_not_judged_by_an_exchange_still_in_flight_or_an_expired_key():
    c = Conversation()
    first = create("j1", key="k", started=0, finished=5)
    assert rules(c, first, create("j2", key="k", started=4, finished=6)) == []  # sent before j1 was answered
    assert rules(c, create("j3", key="k", started=5 + RETENTION + 1)) == []  # the key expired


def test_keys_belong_to_their_tenant():
    c = Conversation()
    assert rules(c, create("j1", key="k", token="a", started=0), create("j2", key="k", token="b", started=1)) == []
    entity = (("zuora-entity-ids", "e2"),)
    assert rules(c, create("j3", key="k", token="a", headers=entity, started=2)) == []


def test_an_invalid_request_under_a_used_key_is_not_a_replay():
    c = Conversation()
    c.observe(create("j1", key="k", started=0))
    assert [v.rule for v in c.observe(create("j2", key="k", started=1), request_valid=False)] == []


# -- ZIP names --------------------------------------------------------------------------------
@pytest.mark.parametrize("documents, skipped, failed, names", [
    (2, 0, 0, ["big_1.zip"]),
    (2500, 0, 0, ["big_1.zip", "big_2.zip", "big_3.zip"]),
    (2001, 1, 0, ["big_1.zip", "big_2.zip"]),
    (2002, 1, 1, ["big_1.zip", "big_2.zip"]),
])
def test_finished_jobs_name_their_zips_by_the_documents_they_hold(documents, skipped, failed, names):
    c = Conversation()
    c.observe(create("j1", request=many_ids(documents), started=0))
    assert rules(c, poll("j1", "Completed", urls=zip_urls(*names), skipped=skipped, failed=failed, started=1)) == []
    wrong = names[:-1] or ["big_2.zip"]
    found = c.observe(poll("j1", "Completed", urls=zip_urls(*wrong), skipped=skipped, failed=failed, started=2))
    assert [(v.rule, v.pointer) for v in found] == [("job.zip-names", "/fileUrls")]


def test_invalid_ids_of_the_post_are_not_zipped():
    c = Conversation()
    c.observe(create("j1", request=many_ids(1001), invalid=["0" * 32], started=0))
    assert rules(c, poll("j1", "Completed", urls=zip_urls("big_1.zip"), started=1)) == []


def test_zip_names_are_judged_only_for_jobs_with_output_whose_post_was_seen():
    c = Conversation()
    assert rules(c, poll("unseen", "Completed", urls=zip_urls("whatever.zip"), started=0)) == []
    c.observe(create("j1", request=many_ids(2), started=1))
    assert rules(c, poll("j1", "Executing", urls=[], started=2), poll("j1", "Error", urls=[], started=3)) == []


def test_a_sample_shaped_single_url_and_percent_encoded_names():
    c = Conversation()
    c.observe(create("j1", request={**many_ids(1), "fileName": "jan 2024"}, started=0))
    assert rules(c, poll("j1", "Completed", urls=zip_urls("jan%202024_1.zip")[0], started=1)) == []
    assert url_file_name("https://h/x/a%2Fb_1.zip?sig=1") == "a/b_1.zip"


# -- statuses ---------------------------------------------------------------------------------
def test_status_moves_forward_and_a_terminal_status_is_final():
    c = Conversation()
    assert rules(c, poll("j", "Submitted", started=0), poll("j", "Executing", started=1),
                 poll("j", "Executing", started=2), poll("j", "Completed", started=3),
                 poll("j", "Completed", started=4)) == []
    assert rules(c, poll("j", "Executing", started=5)) == ["job.terminal-changed"]
    assert rules(c, poll("j", "PartialComplete", started=6)) == ["job.terminal-changed"]
    other = Conversation()
    assert rules(other, poll("k", "Executing", started=0), poll("k", "Submitted", started=1)) == [
        "job.status-backwards"]


def test_polls_in_flight_together_do_not_judge_each_other():
    c = Conversation()
    late_answer = poll("j", "Submitted", started=0, finished=3)  # sent first, answered last
    early_answer = poll("j", "Executing", started=1, finished=2)
    assert rules(c, early_answer, late_answer) == []
    assert rules(c, poll("j", "Submitted", started=4)) == ["job.status-backwards"]


def test_jobs_of_other_tenants_are_kept_apart():
    c = Conversation()
    c.observe(poll("j", "Completed", token="a", started=0))
    assert rules(c, poll("j", "Submitted", token="b", started=1)) == []


# -- tenants: OAuth tokens issued to one client --------------------------------------------------
def _token(client_id: str, token: str, started: float):
    form = f"client_id={client_id}&client_secret=s&grant_type=client_credentials".encode()
    return exchange("POST", TOKEN_PATH, None, 200, {"access_token": token, "token_type": "bearer", "expires_in": 3599},
                    raw_request=form, token="", started=started)


def test_tokens_issued_to_one_client_are_one_tenant():
    c = Conversation()
    c.observe(_token("c" * 36, "first", 0))
    c.observe(create("j1", request=many_ids(2), token="first", started=1))
    c.observe(_token("c" * 36, "refreshed", 2))
    found = c.observe(poll("j1", "Completed", urls=zip_urls("wrong_1.zip"), token="refreshed", started=3))
    assert [v.rule for v in found] == ["job.zip-names"]
    unknown = Conversation()  # without the token answers the two tokens are two tenants
    unknown.observe(create("j1", request=many_ids(2), token="first", started=1))
    assert rules(unknown, poll("j1", "Completed", urls=zip_urls("wrong_1.zip"), token="refreshed", started=3)) == []


def test_memory_is_bounded_oldest_first():
    c = Conversation(max_remembered=2)
    for n, start in (("a", 0), ("b", 1), ("c", 2)):
        c.observe(create(n, key=f"key-{n}", started=start))
    assert rules(c, create("other", key="key-a", started=3)) == []  # forgotten
    assert rules(c, create("other", key="key-c", started=4)) == ["idempotency.replay-job-id"]


def test_answers_without_a_json_object_are_ignored():
    c = Conversation()
    broken = exchange("GET", "/v1/operations/bulk-pdf/j", None, 200, None)
    assert rules(c, broken, exchange("POST", "/v1/operations/bulk-pdf", SEED, None, None)) == []
