"""The README's list of decisions is the one `bulkpdf drift --decisions` generates from the
fragment's records, and the JSON form lists the same records."""

from __future__ import annotations

import json
import re
from pathlib import Path

from bulkpdf_contract.cli import main
from bulkpdf_contract.spec import decisions_markdown, load_contract

README = Path(__file__).resolve().parents[2] / "README.md"
SECTION = re.compile(r"<!-- decisions:start[^>]*-->\n(.*?)<!-- decisions:end -->", re.S)


def test_the_readme_list_is_current(capsys):
    (listed,) = SECTION.findall(README.read_text(encoding="utf-8"))
    assert main(["drift", "--decisions"]) == 0
    generated = capsys.readouterr().out
    assert generated == decisions_markdown(load_contract().decisions())
    assert listed == generated, "README is stale: paste the output of `bulkpdf drift --decisions`"


def test_decisions_as_json(capsys):
    assert main(["drift", "--decisions", "--format", "json"]) == 0
    listed = json.loads(capsys.readouterr().out)
    assert listed == [d.to_dict() for d in load_contract().decisions()]
    assert set(listed[0]) == {"id", "zuora", "contract", "why", "site", "covers"}
