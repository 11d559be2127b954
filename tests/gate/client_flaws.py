"""Deliberately flawed clients for ``bulkpdf check-client``: the example client
(``examples/client/bulk_pdf_export.py``) with one careless habit each, as small scripts that
patch it and run its program (``export_job.main()``). Each names the scenario meant to catch it and the judgements
that must fire there."""

from __future__ import annotations

import sys
import textwrap
from dataclasses import dataclass
from pathlib import Path

EXAMPLE_DIR = Path(__file__).resolve().parents[2] / "examples" / "client"
CAREFUL = [sys.executable, str(EXAMPLE_DIR / "export_job.py")]


@dataclass(frozen=True)
class Flaw:
    name: str
    scenario: str
    caught_by: frozenset[str]
    patch: str

    def script(self, directory: Path) -> list[str]:
        """The command that runs the flawed client (a script written into ``directory``)."""
        path = directory / f"flawed_{self.name.replace('-', '_')}.py"
        path.write_text(
            f"import sys\nsys.path.insert(0, {str(EXAMPLE_DIR)!r})\nimport bulk_pdf_export as client\n"
            "import export_job\n\n" + textwrap.dedent(self.patch) + "\nsys.exit(export_job.main())\n",
            encoding="utf-8",
        )
        return [sys.executable, str(path)]


FLAWS = {flaw.name: flaw for flaw in (
    Flaw("no-retry", "submit-server-error", frozenset({"exit-code", "output"}), """
        class NoRetry(client.BulkPdfExporter):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                self.retries = 0
        client.BulkPdfExporter = NoRetry
    """),
    Flaw("ignores-retry-after", "rate-limited", frozenset({"retry-after"}), """
        # waits its own backoff (1 s, 2 s, ...) whatever Retry-After says
        client.BulkPdfExporter._retry_delay = lambda self, response, attempt: self.retry_wait * 2**attempt
    """),
    Flaw("new-key-per-retry", "submit-connection-lost", frozenset({"one-job"}), """
        import uuid
        prepare = client.BulkPdfExporter.prepare
        def fresh_key(self, body, *, idempotency_key, track_id=None):
            return prepare(self, body, idempotency_key=str(uuid.uuid4()), track_id=track_id)
        client.BulkPdfExporter.prepare = fresh_key
    """),
    Flaw("tight-polling", "slow-job", frozenset({"poll-interval"}), """
        class Impatient(client.BulkPdfExporter):
            def __init__(self, *args, **kwargs):
                super().__init__(*args, **kwargs)
                self.poll_interval = self.max_poll_interval = 0.01
        client.BulkPdfExporter = Impatient
    """),
    Flaw("first-zip-only", "many-zips", frozenset({"output"}), """
        import dataclasses
        download = client.BulkPdfExporter.download
        client.BulkPdfExporter.download = lambda self, job, target: download(
            self, dataclasses.replace(job, file_urls=job.file_urls[:1]), target)
    """),
    Flaw("keeps-truncated-download", "download-interrupted", frozenset({"output"}), """
        import requests
        def naive_download(self, job, target):
            target.mkdir(parents=True, exist_ok=True)
            for url in job.file_urls:
                path = target / url.rsplit("/", 1)[-1]
                try:
                    with self.session.get(url, stream=True, timeout=60) as r, path.open("wb") as out:
                        for chunk in r.iter_content(1024):
                            out.write(chunk)
                except requests.RequestException:
                    pass  # keeps what arrived
            return []
        client.BulkPdfExporter.download = naive_download
    """),
    Flaw("error-as-success", "job-error", frozenset({"exit-code"}), """
        client.SUCCEEDED = client.SUCCEEDED | client.FAILED
        client.FAILED = frozenset()
    """),
    Flaw("partial-as-failure", "partial-complete", frozenset({"exit-code", "output"}), """
        client.SUCCEEDED = frozenset({"Completed"})
        client.FAILED = client.FAILED | {"PartialComplete"}
    """),
)}
