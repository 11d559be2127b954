"""The document world: default names, seeding (YAML, Python, HTTP), and the job rules it drives."""

from __future__ import annotations

import pytest

from bulkpdf_contract.mock.world import default_document, load_documents

from mock_support import AUTH, ids, seed_request

ONE, TWO, THREE = ids(3)


def request_for(*object_ids, **options):
    return {**seed_request(), "documents": [{"docType": "Invoice", "objectIds": list(object_ids)}],
            "generateMissingPDF": False, "ignoreArchivedFiles": False, **options}


def seed(api, documents):
    response = api.client.post("/_mock/documents", json=documents, headers=AUTH)
    assert response.status_code == 200, response.text
    return response


def test_capabilities_and_seeding_endpoints(api):
    caps = api.client.get("/_mock/capabilities", headers=AUTH).json()
    assert caps["seeding"] is True and caps["openWorld"] is True and caps["documentsPerZip"] == 1000
    assert api.client.get("/_mock/capabilities").status_code == 401
    seed(api, [{"id": ONE, "pdfFileName": "first.pdf"}, {"id": TWO.upper(), "archived": True}])
    listed = api.client.get("/_mock/documents", headers=AUTH).json()["documents"]
    assert [(d["id"], d["pdfFileName"], d["archived"]) for d in listed] == [
        (ONE, "first.pdf", False), (TWO, default_document(TWO, "Invoice").pdfFileName, True)]
    seed(api, [{"id": ONE, "pdfFileName": "replaced.pdf"}])
    assert api.client.get("/_mock/documents", headers=AUTH).json()["documents"][0]["pdfFileName"] == "replaced.pdf"
    removed = api.client.request("DELETE", "/_mock/documents", json=[ONE], headers=AUTH).json()
    assert removed["removed"] == 1
    assert api.client.request("DELETE", "/_mock/documents", headers=AUTH).json()["removed"] == 1
    assert api.client.get("/_mock/documents", headers=AUTH).json()["documents"] == []


@pytest.mark.parametrize("bad, words", [
    ([{"id": "xyz"}], "32 hexadecimal"),
    ([{"id": ONE, "docType": "Receipt"}], "docType"),
    ([{"id": ONE, "pdfFileName": "../evil.pdf"}], "pdfFileName"),
    ([{"id": ONE, "pdfFileName": "index.json"}], "pdfFileName"),
    ([{"id": ONE, "hasPdf": "yes"}], "hasPdf"),
    ([{"id": ONE, "colour": "red"}], "colour"),
    ({"id": ONE}, "list"),
])
def test_bad_seeds_are_400_with_a_reason(api, bad, words):
    response = api.client.post("/_mock/documents", json=bad, headers=AUTH)
    assert response.status_code == 400
    assert words in response.json()["reasons"][0]["message"]


def test_missing_pdf_without_generation_is_invalid_and_skipped(api):
    seed(api, [{"id": ONE, "hasPdf": False}])
    response = api.post_job(request_for(ONE, TWO))
    assert response.json()["invalidIds"] == [ONE]
    job = api.wait(response.json()["jobId"])
    assert job["status"] == "Completed"
    (archive,) = api.zips(job)
    assert len(archive.namelist()) == 2  # index + TWO


def test_missing_pdf_is_generated_when_asked(api):
    seed(api, [{"id": ONE, "hasPdf": False, "pdfFileName": "generated.pdf"}])
    response = api.post_job(request_for(ONE, generateMissingPDF=True))
    assert response.json()["invalidIds"] == []
    (archive,) = api.zips(api.wait(response.json()["jobId"]))
    assert "generated.pdf" in archive.namelist()


def test_archived_documents_fail_the_job_unless_ignored(api):
    seed(api, [{"id": ONE, "archived": True}])
    failed = api.wait(api.post_job(request_for(ONE, TWO)).json()["jobId"])
    assert failed["status"] == "Error" and failed["fileUrls"] == []
    assert ONE in failed["reasons"][0]["message"] and "ignoreArchivedFiles" in failed["reasons"][0]["message"]
    assert failed["failedDocuments"] == [{"docType": "Invoice", "objectIds": [ONE]}]
    ignored = api.wait(api.post_job(request_for(ONE, TWO, ignoreArchivedFiles=True)).json()["jobId"])
    assert ignored["status"] == "Completed"
    assert ignored["skippedDocuments"] == [{"docType": "Invoice", "objectIds": [ONE]}]
    (archive,) = api.zips(ignored)
    assert len(archive.namelist()) == 2


def test_failed_generation_makes_a_partial_job(api):
    seed(api, [{"id": ONE, "hasPdf": False, "pdfGenerationFails": True}])
    job = api.wait(api.post_job(request_for(ONE, TWO, generateMissingPDF=True)).json()["jobId"])
    assert job["status"] == "PartialComplete"
    assert job["failedDocuments"] == [{"docType": "Invoice", "objectIds": [ONE]}]
    assert len(job["fileUrls"]) == 1


def test_wrong_doc_type_and_nonexistent_ids_are_invalid(api):
    seed(api, [{"id": ONE, "docType": "CreditMemo"}, {"id": TWO, "exists": False}])
    response = api.post_job(request_for(ONE, TWO, THREE))
    assert response.json()["invalidIds"] == [ONE, TWO]


def test_two_documents_with_one_pdf_file_name_are_rejected(api):
    seed(api, [{"id": ONE, "pdfFileName": "same.pdf"}, {"id": TWO, "pdfFileName": "same.pdf"}])
    response = api.post_job(request_for(ONE, TWO))
    assert response.status_code == 400
    assert "documents.duplicate-pdf-file-name" in response.json()["reasons"][0]["message"]


def test_a_seeded_world_is_closed_unless_opened(make_api, tmp_path):
    path = tmp_path / "world.yaml"
    path.write_text(f"- id: {ONE}\n  pdfFileName: one.pdf\n  accountNumber: A1\n  documentNumber: INV-1\n")
    closed = make_api(documents=path)
    assert closed.post_job(request_for(ONE, TWO)).json()["invalidIds"] == [TWO]
    (archive,) = closed.zips(closed.wait(closed.post_job(request_for(ONE)).json()["jobId"]))
    assert archive.namelist() == ["index.json", "one.pdf"]
    path.write_text(f"openWorld: true\ndocuments:\n  - id: {ONE}\n")
    opened = make_api(documents=path)
    assert opened.post_job(request_for(ONE, TWO)).json()["invalidIds"] == []


def test_seeded_documents_survive_a_restart(make_api, tmp_path):
    first = make_api(data_dir=tmp_path / "shared")
    seed(first, [{"id": ONE, "pdfFileName": "kept.pdf"}])
    first.close()
    second = make_api(data_dir=tmp_path / "shared")
    listed = second.client.get("/_mock/documents", headers=AUTH).json()["documents"]
    assert [d["pdfFileName"] for d in listed] == ["kept.pdf"]


def test_documents_file_errors_are_clear(tmp_path):
    path = tmp_path / "w.yaml"
    path.write_text("documents: [{id: 12}]\n")
    with pytest.raises(ValueError, match="32 hexadecimal"):
        load_documents(path)
    path.write_text("{unbalanced")
    with pytest.raises(ValueError, match="not valid YAML"):
        load_documents(path)
    with pytest.raises(ValueError, match="cannot read"):
        load_documents(tmp_path / "missing.yaml")


@pytest.mark.parametrize("seconds", [0, 59, 60, 3599, 3600, 86399, 86400, 365 * 86400 - 1, 365 * 86400 + 60 * 256])
def test_default_timestamps_are_the_epoch_plus_seconds_in_iso_utc(seconds):
    from datetime import timedelta

    from bulkpdf_contract.mock.world import _EPOCH, _iso_seconds, iso

    assert _iso_seconds(seconds) == iso(_EPOCH + timedelta(seconds=seconds))
