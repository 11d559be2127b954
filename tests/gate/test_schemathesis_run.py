"""How the gate configures schemathesis: the settings that decide what a run can catch."""

from __future__ import annotations

from schemathesis.generation import GenerationMode

from bulkpdf_contract.gate.schemathesis_run import SCHEMATHESIS_CHECKS, build_schema


def test_the_gate_runs_all_modes_the_link_and_its_seven_checks():
    schema = build_schema("http://127.0.0.1:1", "tok", workers=2, max_examples=7, seed=3)
    config = schema.config
    # Negative-only runs hide missing body validation (pitfall 3): both modes, always.
    assert set(config.generation.modes) == {GenerationMode.POSITIVE, GenerationMode.NEGATIVE}
    assert config.phases.stateful.enabled and config.phases.coverage.enabled
    assert (config.workers, config.generation.max_examples, config.seed) == (2, 7, 3)
    assert config.headers == {"Authorization": "Bearer tok"}
    assert config.continue_on_failure
    enabled = {name for name in SCHEMATHESIS_CHECKS if config.checks.get_by_name(name=name).enabled}
    assert enabled == set(SCHEMATHESIS_CHECKS)
    assert not config.checks.get_by_name(name="use_after_free").enabled
    assert schema.statistic.transitions.total == 1  # POST -> GET (the jobId link)


def test_a_subset_of_checks_stays_a_subset():
    config = build_schema("http://127.0.0.1:1", "tok", checks=("not_a_server_error",)).config
    enabled = {name for name in SCHEMATHESIS_CHECKS if config.checks.get_by_name(name=name).enabled}
    assert enabled == {"not_a_server_error"}
