"""Jobs and what they produce: statuses, ZIP names and sizes, index files, real PDFs."""

from __future__ import annotations

import csv
import io
import json

import pypdf
import pytest

from bulkpdf_contract.mock.clock import Clock
from bulkpdf_contract.spec import load_contract
from bulkpdf_contract.validators import validate_response

from mock_support import FROZEN_AT, ids, seed_request

INDEX_COLUMNS = load_contract().index_columns


def test_seed_request_produces_the_documented_zip_with_its_index(api):
    response = api.post_job()
    assert response.status_code == 200, response.text
    body = response.json()
    assert set(body) == {"jobId", "invalidIds", "success"}
    assert body["success"] is True and body["invalidIds"] == []
    assert validate_response(200, body, response.headers, method="POST") == []

    job = api.wait(body["jobId"])
    assert job["status"] == "Completed" and job["stepStatus"] == "PostProcessing"
    assert job["jobName"] == "BulkPDFGenerationJobV1"
    assert len(job["fileUrls"]) == 1
    assert job["fileUrls"][0].rsplit("/", 1)[1] == "all-invoices-posted-jan-2024_1.zip"
    final = api.get_job(body["jobId"])
    assert validate_response(200, final.content, final.headers, method="GET") == []

    (archive,) = api.zips(job)
    index = json.loads(archive.read("index.json"))
    rows = index["_metadata"]
    assert [list(r) for r in rows] == [list(INDEX_COLUMNS)] * 2
    requested = seed_request()["documents"][0]["objectIds"]
    assert [r["documentNumber"] for r in rows] == [f"INV{i.upper()}" for i in requested]
    assert all(r["documentType"] == "Invoice" for r in rows)
    assert archive.namelist() == ["index.json"] + [r["pdfFileName"] for r in rows]
    for row in rows:
        reader = pypdf.PdfReader(io.BytesIO(archive.read(row["pdfFileName"])), strict=True)
        assert len(reader.pages) == 1
        assert row["documentNumber"] in reader.pages[0].extract_text()


def test_the_same_id_always_gets_the_same_names(make_api):
    names = []
    for _ in range(2):
        api = make_api()
        job = api.wait(api.post_job().json()["jobId"])
        names.append(api.zips(job)[0].namelist())
    assert names[0] == names[1]


def test_csv_index_has_the_six_columns_in_order(api):
    body = {**seed_request(), "indexFileFormat": "CSV"}
    job = api.wait(api.post_job(body).json()["jobId"])
    (archive,) = api.zips(job)
    assert archive.namelist()[0] == "index.csv"
    rows = list(csv.reader(io.StringIO(archive.read("index.csv").decode())))
    assert tuple(rows[0]) == INDEX_COLUMNS
    assert [r[4] for r in rows[1:]] == archive.namelist()[1:]


def test_no_index_when_persist_index_file_is_false(api):
    body = {**seed_request(), "persistIndexFile": False}
    job = api.wait(api.post_job(body).json()["jobId"])
    (archive,) = api.zips(job)
    assert len(archive.namelist()) == 2
    assert all(name.endswith(".pdf") for name in archive.namelist())


def test_documents_are_split_into_zips_of_documents_per_zip(make_api):
    api = make_api(documents_per_zip=3)
    object_ids = ids(7)
    body = {"documents": [{"docType": "Invoice", "objectIds": object_ids[:4]},
                          {"docType": "CreditMemo", "objectIds": object_ids[4:]}],
            "fileName": "batch", "indexFileFormat": "JSON"}
    job = api.wait(api.post_job(body).json()["jobId"])
    assert [u.rsplit("/", 1)[1] for u in job["fileUrls"]] == ["batch_1.zip", "batch_2.zip", "batch_3.zip"]
    archives = api.zips(job)
    metadata = [json.loads(a.read("index.json"))["_metadata"] for a in archives]
    assert [len(m) for m in metadata] == [3, 3, 1]
    numbers = [row["documentNumber"] for m in metadata for row in m]
    assert numbers == [("INV" if i < 4 else "CM") + oid.upper() for i, oid in enumerate(object_ids)]
    for archive, rows in zip(archives, metadata):
        assert archive.namelist()[1:] == [r["pdfFileName"] for r in rows]


def test_default_limit_is_the_contracts_1000_per_zip(make_api):
    api = make_api()
    body = {"documents": [{"docType": "Invoice", "objectIds": ids(1001)}], "fileName": "big",
            "indexFileFormat": "CSV", "persistIndexFile": True}
    job = api.wait(api.post_job(body).json()["jobId"], timeout=60)
    first, second = api.zips(job)
    assert len(first.namelist()) == 1001 and len(second.namelist()) == 2


def test_status_moves_through_the_steps_in_order(make_api):
    """Each step holds until the (frozen) clock passes ``job_delay``: every status is seen, in order."""
    clock = Clock(frozen_at=FROZEN_AT)
    api = make_api(job_delay=60, clock=clock)
    world = [{"id": i, "hasPdf": False} for i in ids(2)]
    api.client.post("/_mock/documents", json=world, headers={"Authorization": "Bearer bulkpdf-test-token"})
    body = {**seed_request(), "documents": [{"docType": "Invoice", "objectIds": ids(2)}], "generateMissingPDF": True}
    job_id = api.post_job(body).json()["jobId"]
    assert api.step_through(job_id, clock, 60) == [
        ("Submitted", "JobCreated"),
        ("Executing", "TasksCreated"),
        ("Executing", "GenerateMissPDF"),
        ("Executing", "PdfToZip"),
        ("Executing", "PostProcessing"),
        ("Completed", "PostProcessing"),
    ]
    assert clock.now() == FROZEN_AT + 5 * 60  # one advance per pause, none skipped


def test_file_urls_are_unguessable_and_expire(make_api):
    clock = Clock(frozen_at=FROZEN_AT)
    api = make_api(clock=clock)
    job = api.wait(api.post_job().json()["jobId"])
    url = job["fileUrls"][0]
    token = url.rsplit("/", 2)[1]
    assert len(token) >= 43  # 32 random bytes, URL-safe base64
    assert api.download(url).status_code == 200
    wrong = url.replace(token, token[:-4] + "AAAA")
    denied = api.download(wrong)
    assert denied.status_code == 403 and b"<Code>AccessDenied</Code>" in denied.content
    assert api.download(url.rsplit("/", 1)[0] + "/other_1.zip").status_code == 403
    lifetime = load_contract().file_url_lifetime_seconds  # 24 h after the job finished
    clock.advance(lifetime - 1)
    assert api.download(url).status_code == 200
    clock.advance(1)
    expired = api.download(url)
    assert expired.status_code == 403
    assert expired.headers["content-type"].startswith("application/xml")
    assert b"Request has expired" in expired.content
    assert api.get_job(job["jobId"]).json()["fileUrls"] == [url]  # Zuora cannot regenerate a URL


def test_a_configured_url_lifetime_is_kept_on_the_clock(make_api):
    clock = Clock(frozen_at=FROZEN_AT)
    api = make_api(clock=clock, file_url_ttl=90)
    url = api.wait(api.post_job().json()["jobId"])["fileUrls"][0]
    clock.advance(89)
    assert api.download(url).status_code == 200
    clock.advance(1)
    assert b"Request has expired" in api.download(url).content


def test_zip_on_disk_stays_inside_the_data_directory_whatever_the_file_name(make_api, tmp_path):
    """A lenient contract (any fileName) still never writes outside the job's own directory."""
    from bulkpdf_contract.spec import contract_from_dict

    spec = contract_from_dict(load_contract().spec).spec
    file_name = spec["components"]["schemas"]["POSTBulkPdfGenerationJobRequestType"]["properties"]["fileName"]
    file_name.pop("pattern")
    file_name["maxLength"] = 100
    api = make_api(contract=contract_from_dict(spec))
    body = {**seed_request(), "fileName": "../../escape\\x:y"}
    job = api.wait(api.post_job(body).json()["jobId"])
    assert job["status"] == "Completed"
    data_dir = api.state.data_dir
    written = [p for p in tmp_path.rglob("*") if p.is_file()]
    assert all(data_dir in p.parents for p in written)
    assert sorted(p.name for p in (data_dir / "files").iterdir()) == [f"{job['jobId']}_1.zip"]
    assert job["fileUrls"][0].rsplit("/", 1)[1] == "..%2F..%2Fescape%5Cx%3Ay_1.zip"
    assert api.download(job["fileUrls"][0]).status_code == 200


@pytest.mark.parametrize("fmt", ["CSV", "JSON"])
def test_index_values_that_look_like_formulas_are_neutralised_in_csv(make_api, fmt):
    doc = {"id": ids(1)[0], "accountNumber": "=HYPERLINK(\"http://x\")", "documentNumber": "+INV1",
           "pdfFileName": "-1.pdf"}
    api = make_api(documents=[doc])
    body = {**seed_request(), "documents": [{"docType": "Invoice", "objectIds": ids(1)}], "indexFileFormat": fmt}
    (archive,) = api.zips(api.wait(api.post_job(body).json()["jobId"]))
    if fmt == "CSV":
        row = list(csv.reader(io.StringIO(archive.read("index.csv").decode())))[1]
        assert row[0] == "'=HYPERLINK(\"http://x\")" and row[2] == "'+INV1" and row[4] == "'-1.pdf"
    else:  # JSON is data, not a spreadsheet: values unchanged
        row = json.loads(archive.read("index.json"))["_metadata"][0]
        assert row["accountNumber"] == doc["accountNumber"]
    assert archive.namelist()[1] == "-1.pdf"


def test_index_rows_carry_exactly_the_contract_columns_in_order():
    """The job process builds index rows without loading the spec: its keys must be the spec's."""
    from bulkpdf_contract.mock.jobs import index_row
    from bulkpdf_contract.mock.world import default_document

    row = index_row(default_document("a" * 32, "Invoice"), "2024-01-01T00:00:00Z")
    assert tuple(row) == INDEX_COLUMNS


@pytest.mark.parametrize("limit", [1, 700, 1 << 20])
def test_a_zip_has_the_bytes_zipfile_writes_to_a_plain_file(tmp_path, monkeypatch, limit):
    """Entries are written through an in-memory tail (archive._Spool); whatever it flushes when,
    the file is byte for byte what zipfile leaves in a plain file."""
    import zipfile

    from bulkpdf_contract.mock import archive

    monkeypatch.setattr(archive._Spool, "LIMIT", limit)
    rows = [{**dict.fromkeys(INDEX_COLUMNS, "x"), "pdfFileName": f"{i}.pdf"} for i in range(40)]
    pdfs = [b"%PDF-1.4 " + bytes(range(i, i + 200)) * 3 for i in range(40)]
    size = archive.write_zip(tmp_path / "1.zip", rows, iter(pdfs), "JSON", (2024, 1, 2, 3, 4, 6))
    with zipfile.ZipFile(tmp_path / "plain.zip", "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in [("index.json", archive.render_index(rows, "JSON")),
                           *((r["pdfFileName"], pdf) for r, pdf in zip(rows, pdfs))]:
            info = zipfile.ZipInfo(name, (2024, 1, 2, 3, 4, 6))
            info.compress_type, info.external_attr = zipfile.ZIP_DEFLATED, 0o644 << 16
            zf.writestr(info, data)
    written = (tmp_path / "1.zip").read_bytes()
    assert written == (tmp_path / "plain.zip").read_bytes() and size == len(written)
