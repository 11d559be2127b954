"""``--documents``: reading the documents a target holds (the mock's documents-file format) and
the pool accepted requests take their documents from."""

from __future__ import annotations

import json

import pytest

from bulkpdf_contract.gate.documents import (
    DocumentPool,
    TargetDocument,
    groups,
    load_target_documents,
    object_ids,
    with_pool_documents,
)


def write(tmp_path, text, name="documents.yaml"):
    path = tmp_path / name
    path.write_text(text)
    return path


def test_a_documents_file_is_read_as_the_mock_reads_it(tmp_path):
    path = write(tmp_path, """
openWorld: false
documents:
  - {id: 402880de8ce7edc3018ce7f18404315a, pdfFileName: INV-1.pdf, accountNumber: A1}
  - {docType: CreditMemo, id: 402880DE8CE7EDC3018CE7F18E0B3804}
  - {id: 0000000000000000000000000000000a, archived: true}
  - {id: 0000000000000000000000000000000b, hasPdf: false}
  - {id: 0000000000000000000000000000000c, exists: false}
""")
    docs = load_target_documents(path)
    assert [d.id for d in docs] == ["402880de8ce7edc3018ce7f18404315a", "402880de8ce7edc3018ce7f18e0b3804",
                                    "0000000000000000000000000000000a", "0000000000000000000000000000000b"]
    first, memo, archived, without_pdf = docs
    assert first.known == {"pdfFileName": "INV-1.pdf", "accountNumber": "A1"} and first.normal
    assert memo.doc_type == "CreditMemo" and memo.known == {}  # no name given: none is expected
    assert archived.archived and not archived.normal and not without_pdf.has_pdf
    assert first.as_known() == {"docType": "Invoice", "id": first.id, "pdfFileName": "INV-1.pdf", "accountNumber": "A1"}
    as_json = write(tmp_path, json.dumps([{"id": "1" * 32}]), "documents.json")
    assert load_target_documents(as_json) == [TargetDocument("1" * 32)]


@pytest.mark.parametrize("text, message", [
    ("- {id: nope}\n", "32 hexadecimal"),
    ("- {id: '" + "1" * 32 + "', colour: red}\n", "unknown field"),
    ("- {id: '" + "1" * 32 + "', exists: false}\n", "lists no document that exists"),
    ("[", "not valid YAML"),
])
def test_an_unusable_documents_file_is_refused(tmp_path, text, message):
    with pytest.raises(ValueError, match=message):
        load_target_documents(write(tmp_path, text))


def test_a_finite_pool_gives_distinct_documents_with_a_pdf_and_no_more_than_it_holds():
    docs = [TargetDocument(f"{n:032x}") for n in range(1, 6)]
    special = [TargetDocument("a" * 32, archived=True), TargetDocument("b" * 32, has_pdf=False)]
    pool = DocumentPool("seed", docs + special)
    assert pool.finite and pool.normal == docs
    assert pool.archived == special[:1] and pool.without_pdf == special[1:]
    three = pool.take("x", 3)
    assert len({d.id for d in three}) == 3 and {d.id for d in three} <= {d.id for d in docs}
    assert pool.take("x", 3) == three  # the same label, the same documents
    assert sorted(d.id for d in pool.take("y", 50)) == sorted(d.id for d in docs)
    assert DocumentPool("seed", special).take("x", 2) == []


def test_an_open_pool_makes_up_well_formed_ids_per_label():
    pool = DocumentPool("seed")
    assert not pool.finite and pool.exists
    first = pool.take("a", 4)
    assert [d.id for d in first] == object_ids("seed/a", 4) and all(d.doc_type == "Invoice" for d in first)
    assert {d.id for d in first}.isdisjoint(d.id for d in pool.take("b", 4))


def test_groups_follow_the_first_appearance_of_each_doc_type():
    docs = [TargetDocument("1" * 32, "CreditMemo"), TargetDocument("2" * 32), TargetDocument("3" * 32, "CreditMemo")]
    assert groups(docs) == [{"docType": "CreditMemo", "objectIds": ["1" * 32, "3" * 32]},
                            {"docType": "Invoice", "objectIds": ["2" * 32]}]


def test_a_body_names_the_pools_documents_in_its_own_structure():
    docs = [TargetDocument(f"{n:032x}", "Invoice" if n % 2 else "CreditMemo") for n in range(1, 5)]
    pool = DocumentPool("seed", docs)
    body = {"documents": [{"docType": "CreditMemo", "objectIds": ["ab" * 16, "cd" * 16]}], "fileName": "f" * 40,
            "indexFileFormat": "JSON"}
    named = with_pool_documents(body, pool, "x")
    assert named["fileName"] == "f" * 40 and named is not body and body["documents"][0]["objectIds"][0] == "ab" * 16
    assert [g["docType"] for g in named["documents"]] == ["CreditMemo"]
    assert set(named["documents"][0]["objectIds"]) == {d.id for d in docs if d.doc_type == "CreditMemo"}
    repeated = {**body, "documents": [{"docType": "Invoice", "objectIds": ["ab" * 16, "cd" * 16]},
                                      {"docType": "CreditMemo", "objectIds": ["AB" * 16]}]}
    first, second = with_pool_documents(repeated, pool, "x")["documents"]
    assert first["objectIds"][0] == second["objectIds"][0] != first["objectIds"][1]  # a repetition stays one
    left_alone = [
        {**body, "documents": [{"docType": "Invoice", "objectIds": ["not-an-id"]}]},
        {**body, "documents": [{"docType": "Invoice", "objectIds": [f"{n:032x}" for n in range(10, 15)]}]},  # > pool
        {**body, "documents": []},
        {**body, "documents": "none"},
        {**body, "documents": [{"docType": "Invoice", "objectIds": "x"}]},
        ["not", "an", "object"],
    ]
    for other in left_alone:
        assert with_pool_documents(other, pool, "x") is other
    assert with_pool_documents(body, DocumentPool("seed"), "x") is body  # an open world holds every ID


def test_the_readme_example_documents_file_is_valid(tmp_path):
    import re
    from pathlib import Path

    readme = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")
    (block,) = re.findall(r"```yaml\n(# sandbox-documents\.yaml\n.*?)```", readme, re.S)
    docs = load_target_documents(write(tmp_path, block))
    assert len(docs) == 5 and sum(d.archived for d in docs) == 1 and sum(not d.has_pdf for d in docs) == 1
    assert DocumentPool("s", docs).exists is True and len(DocumentPool("s", docs).normal) == 3
