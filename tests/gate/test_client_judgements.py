"""Each judgement of ``bulkpdf check-client`` on made-up runs: what it must catch (with the
evidence it names) and what it must let pass, without starting a mock or a client."""

from __future__ import annotations

import pytest

from bulkpdf_contract.gate.client_judgements import JUDGEMENTS, REGISTRY, judge
from bulkpdf_contract.gate.client_run import ClientRun, ExpectedZip, OutputFile
from bulkpdf_contract.gate.client_scenarios import scenario
from bulkpdf_contract.mock.journal import Entries, Entry
from bulkpdf_contract.spec import COLLECTION_PATH, load_contract

JOB = "a" * 32
POLL = f"{COLLECTION_PATH}/{JOB}"
ZIP = ExpectedZip("happy_1.zip", 100, "d" * 64, ("a.pdf", "b.pdf"))


def entry(seq, kind, method, path, at, status=200, duration=0.01, **fields) -> Entry:
    return Entry(seq, kind, method, path, at, 0.0, status=status, duration=duration, outcome="answered", **fields)


def careful_entries() -> Entries:
    return Entries([
        entry(1, "submit", "POST", COLLECTION_PATH, 0.0, job=JOB, job_created=True, findings=[]),
        entry(2, "poll", "GET", POLL, 0.1, job=JOB, job_status="Executing", findings=[]),
        entry(3, "poll", "GET", POLL, 1.2, job=JOB, job_status="Completed", findings=[]),
        entry(4, "download", "GET", "/_mock/files/t/happy_1.zip", 1.3, job=JOB),
    ])


def make_run(name="happy", entries=None, output=None, exit_code=0, **fields) -> ClientRun:
    run = ClientRun(scenario(name), "token", load_contract(), ("client",), exit_code=exit_code, timeout=60,
                    entries=careful_entries() if entries is None else Entries(entries), job=JOB,
                    job_status="Completed", expected_zips=[ZIP], expected_pdfs=frozenset({"a.pdf", "b.pdf"}))
    run.output = [OutputFile("happy_1.zip", False, 100, "d" * 64, ("a.pdf", "b.pdf"))] if output is None else output
    for key, value in fields.items():
        setattr(run, key, value)
    return run


def caught(run: ClientRun) -> dict[str, list[str]]:
    return {name: lines for name, lines in judge(run).items() if lines}


def test_a_careful_run_passes_every_judgement():
    assert caught(make_run()) == {}
    assert [j.name for j in JUDGEMENTS] == ["exit-code", "output", "one-job", "retry-after", "poll-interval",
                                            "after-terminal", "valid-requests"]
    assert all(j.description for j in JUDGEMENTS)
    with pytest.raises(ValueError, match="registered twice"):
        REGISTRY.register("output")(lambda run: [])


def test_exit_code():
    assert caught(make_run(exit_code=1, stderr="Traceback\nKeyError: 'jobId'\n"))["exit-code"] == [
        "the command exited 1; a careful client exits 0 here (stderr: Traceback | KeyError: 'jobId')"]
    assert "was killed" in caught(make_run(exit_code=None))["exit-code"][0]
    failing = make_run("job-error", output=[], job_status="Error")
    assert "exited 0 although job" in caught(failing)["exit-code"][0]
    failing.exit_code = 1
    assert "exit-code" not in caught(failing)


@pytest.mark.parametrize("output, words", [
    ([], "missing happy_1.zip (100 bytes)"),
    ([OutputFile("happy_1.zip", False, 40, "e" * 64, None)], "is 40 bytes, shorter than the 100 bytes"),
    ([OutputFile("happy_1.zip", False, 100, "e" * 64, None)], "different from the 100 bytes"),
    ([OutputFile("happy_1.zip", False, 100, "d" * 64, ("a.pdf", "b.pdf")),
      OutputFile("happy_1.zip.part", False, 3, "f" * 64, None)], "unexpected file happy_1.zip.part"),
    ([OutputFile("happy_1", True)], "unexpected directory happy_1"),
])
def test_output_catches_missing_broken_and_extra_files(output, words):
    assert any(words in line for line in caught(make_run(output=output))["output"])


def test_output_checks_the_pdfs_and_nothing_for_a_failed_job():
    run = make_run()
    run.expected_pdfs = frozenset({"a.pdf", "b.pdf", "c.pdf"})
    assert caught(run)["output"] == ["the ZIPs lack 1 expected PDF(s): c.pdf"]
    assert caught(make_run(job=None, expected_zips=[]))["output"] == [
        "no job was created, so there was nothing to download"]
    failed = make_run("job-error", exit_code=1, expected_zips=[], job_status="Error")
    assert caught(failed)["output"] == ["unexpected file happy_1.zip"]
    failed.output = []
    assert caught(failed) == {}


def test_one_job_names_the_keys_of_each_creating_post():
    key = lambda k: [("idempotency-key", k)]  # noqa: E731
    twice = [entry(1, "submit", "POST", COLLECTION_PATH, 0.0, status=None, job=JOB, job_created=True, headers=key("k1")),
             entry(2, "submit", "POST", COLLECTION_PATH, 1.0, job="b" * 32, job_created=True, headers=key("k2"))]
    lines = caught(make_run(entries=twice + list(careful_entries())[1:]))["one-job"]
    assert lines[0] == "2 jobs were created:" and "'k1'" in lines[1] and "'k2'" in lines[2]
    replayed = [twice[0], entry(2, "submit", "POST", COLLECTION_PATH, 1.0, job=JOB, headers=key("k1"))]
    assert "one-job" not in caught(make_run(entries=replayed + list(careful_entries())[1:]))
    assert caught(make_run(entries=[]))["one-job"] == ["no job was created"]


def test_retry_after_measures_from_the_end_of_the_refusal_to_the_retry():
    refused = entry(1, "submit", "POST", COLLECTION_PATH, 0.0, status=429, duration=0.5, retry_after="2")
    early = entry(2, "submit", "POST", COLLECTION_PATH, 2.4, job=JOB, job_created=True)
    on_time = entry(2, "submit", "POST", COLLECTION_PATH, 2.5, job=JOB, job_created=True)
    other = entry(2, "poll", "GET", POLL, 0.6, status=404)
    (line,) = caught(make_run(entries=[refused, early]))["retry-after"]
    assert line.startswith("#2 POST") and "came 1.900 s after #1 POST" in line and "asked to wait 2 s" in line
    assert "retry-after" not in caught(make_run(entries=[refused, on_time]))
    assert "retry-after" not in caught(make_run(entries=[refused, other]))


def test_poll_interval_catches_fast_polls_per_job_but_not_a_retry_after_401():
    limit = load_contract().min_poll_interval_seconds
    polls = [entry(n, "poll", "GET", POLL, at * limit, job=JOB) for n, at in enumerate([0, 0.5, 0.55, 0.9, 2], 1)]
    (line,) = caught(make_run(entries=polls))["poll-interval"]
    assert line.startswith(f"5 polls of {POLL}: 3 came less than {limit:g} s after")
    assert line.endswith(f"the closest {0.05 * limit:.3f} s apart (#2 and #3)")
    spaced = [entry(n, "poll", "GET", POLL, n * limit, job=JOB) for n in range(1, 4)]
    other = entry(9, "poll", "GET", f"{COLLECTION_PATH}/{'b' * 32}", 1 * limit + 0.01)
    assert "poll-interval" not in caught(make_run(entries=spaced + [other]))
    renewed = [entry(1, "poll", "GET", POLL, 0.0, status=401), entry(2, "token", "POST", "/oauth/token", 0.01),
               entry(3, "poll", "GET", POLL, 0.02, job=JOB)]
    assert "poll-interval" not in caught(make_run(entries=renewed))


def test_after_terminal_allows_only_downloads():
    later = careful_entries() + [entry(5, "poll", "GET", POLL, 9.0, job=JOB, job_status="Completed")]
    (line,) = caught(make_run(entries=later))["after-terminal"]
    assert line.startswith("#5 GET") and "after #3 GET" in line and line.endswith("reported Completed")


def test_valid_requests_lists_the_first_finding_of_each_request():
    bad = careful_entries()
    bad[0].findings = [{"rule": "schema.maxLength", "pointer": "/fileName", "message": "too long"},
                       {"rule": "schema.enum", "pointer": "/indexFileFormat", "message": "no"}]
    (line,) = caught(make_run(entries=bad))["valid-requests"]
    assert line.endswith("schema.maxLength at /fileName: too long (+1 more)")


def test_evidence_is_capped():
    polls = [entry(n, "submit", "POST", COLLECTION_PATH, n, job=f"{n:032x}", job_created=True) for n in range(1, 12)]
    lines = caught(make_run(entries=polls))["one-job"]
    assert len(lines) == 6 and lines[-1] == "... and 7 more"
