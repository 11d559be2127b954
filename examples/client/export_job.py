"""Export one bulk PDF request with the example client, configured from the environment (the way
``bulkpdf check-client`` runs a client):

- ``BULKPDF_URL``: the base URL;
- ``BULKPDF_TOKEN``: a bearer token, or OAuth client credentials ``BULKPDF_CLIENT_ID`` and
  ``BULKPDF_CLIENT_SECRET`` (``BULKPDF_TOKEN_URL``, default ``<BULKPDF_URL>/oauth/token``);
- ``BULKPDF_REQUEST``: a JSON file holding the request body;
- ``BULKPDF_OUTPUT``: the directory the ZIP files go to, under the names their URLs end with.

Exit 0 when every ZIP of the job is downloaded (also for PartialComplete: the skipped and failed
documents are listed on stderr), 1 when the job fails or the server refuses, 2 for a missing
setting.

    BULKPDF_URL=https://rest.apisandbox.zuora.com BULKPDF_TOKEN=... \
    BULKPDF_REQUEST=request.json BULKPDF_OUTPUT=out python export_job.py
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from pathlib import Path
from typing import Mapping, Sequence

import requests

import bulk_pdf_export as client
from zuora_oauth import TOKEN_PATH


def _exporter_from_env(env: Mapping[str, str], args: argparse.Namespace) -> client.BulkPdfExporter:
    url = env["BULKPDF_URL"]
    options = {"timeout": args.timeout, "poll_interval": args.poll_interval}
    if env.get("BULKPDF_CLIENT_ID"):
        oauth = client.OAuthToken(env.get("BULKPDF_TOKEN_URL") or url.rstrip("/") + TOKEN_PATH,
                                  env["BULKPDF_CLIENT_ID"], env["BULKPDF_CLIENT_SECRET"])
        return client.BulkPdfExporter(url, oauth=oauth, **options)
    return client.BulkPdfExporter(url, env["BULKPDF_TOKEN"], **options)


def main(argv: Sequence[str] | None = None, env: Mapping[str, str] | None = None) -> int:
    """Export the request of ``BULKPDF_REQUEST`` into ``BULKPDF_OUTPUT`` (see the module doc).
    Classes and status lists are looked up in :mod:`bulk_pdf_export` when called."""
    parser = argparse.ArgumentParser(description="Export one bulk PDF request (settings from BULKPDF_* variables)")
    parser.add_argument("--timeout", type=float, default=1800.0, help="seconds the job may take (default 1800)")
    parser.add_argument("--poll-interval", type=float, default=1.0, help="first wait between polls (default 1 s)")
    args = parser.parse_args(argv)
    env = os.environ if env is None else env
    missing = [name for name in ("BULKPDF_URL", "BULKPDF_REQUEST", "BULKPDF_OUTPUT") if not env.get(name)]
    if not env.get("BULKPDF_TOKEN") and not (env.get("BULKPDF_CLIENT_ID") and env.get("BULKPDF_CLIENT_SECRET")):
        missing.append("BULKPDF_TOKEN (or BULKPDF_CLIENT_ID and BULKPDF_CLIENT_SECRET)")
    if missing:
        print(f"export_job: set {', '.join(missing)}", file=sys.stderr)
        return 2
    body = json.loads(Path(env["BULKPDF_REQUEST"]).read_text(encoding="utf-8"))
    exporter = _exporter_from_env(env, args)
    try:
        submitted = exporter.submit(body)
        job = exporter.wait(submitted.job_id)
        zips = exporter.download(job, Path(env["BULKPDF_OUTPUT"]))
    except (client.ExportError, client.TokenRefused, requests.RequestException) as exc:
        print(f"export_job: {exc}", file=sys.stderr)
        return 1
    print(f"job {job.job_id} {job.status}: {len(zips)} ZIP file(s) in {env['BULKPDF_OUTPUT']}")
    for kind, documents in (("skipped", job.skipped), ("failed", job.failed)):
        for doc_type, ids in documents.items():
            print(f"  {len(ids)} {doc_type} document(s) {kind}: {', '.join(ids[:5])}", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
