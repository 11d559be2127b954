"""The edge-case catalogue the gate sends: the contract's named cases and the strategies' draw,
the same on every run."""

from __future__ import annotations

from bulkpdf_contract.gate.edge_requests import NOT_SERVER_RULES, contract_cases, edge_catalogue, strategy_cases
from bulkpdf_contract.spec import load_contract


def test_the_catalogue_holds_both_halves_and_repeats_itself():
    contract = load_contract()
    catalogue = edge_catalogue(contract, "seed-a", examples=3)
    contract_part = contract_cases(contract, "seed-a")
    assert catalogue[:len(contract_part)] == contract_part
    drawn = catalogue[len(contract_part):]
    assert drawn and {c.origin for c in drawn} == {"strategies"}
    assert all(c.reject and c.rule and c.rule not in NOT_SERVER_RULES for c in drawn)
    keys = [(c.name.split(":")[0], c.rule) for c in drawn]
    assert len({c.name for c in drawn}) == len(drawn), keys  # one case per (family, rule, pointer)
    assert strategy_cases(contract, 3) == drawn  # derandomized: every run sends the same cases
