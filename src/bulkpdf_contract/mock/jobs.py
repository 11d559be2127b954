"""The background job runner: worker threads that turn a submitted job into ZIP files.

Jobs run in threads, never on the event loop (by default in a child process, see
:mod:`.worker`), so polling stays fast while a 50,000-document job is zipped. SQLite is the
queue's memory: a job is only ever *Submitted* or *Executing* in the database until it reaches a
final status, so a server stopped or killed mid-job finds it again at start-up
(:meth:`JobRunner.recover`) and runs it again from the start (ZIPs are rewritten under temporary
names), or fails it with a reason after ``max_attempts`` interrupted runs.

Every time a job reads or waits for goes through the server's :class:`~.clock.Clock`:
``job_delay`` pauses are waits on it (a frozen clock holds a job at a step until advanced), and
``finished_on`` and the download URLs' ``expires_at`` are its time.
"""

from __future__ import annotations

import logging
import queue
import secrets
import threading
import time
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import Any, Iterator

from .archive import Stopped, write_zip
from .clock import Clock
from .errors import ErrorCategory, reason
from .faults import JobFault, job_fault_from_dict
from .pdf import make_pdf
from .storage import ACTIVE, Storage
from .world import DEFAULT, Document, World, default_document, iso, parse_document

log = logging.getLogger("bulkpdf_contract.mock")

FILES_DIR = "files"  # <data_dir>/files/<jobId>_<n>.zip: named by job ID, never by user input


@dataclass(frozen=True)
class JobOptions:
    """How jobs run: the same in threads of the server and in the job process."""

    documents_per_zip: int
    file_url_ttl: float
    job_delay: float = 0.0
    workers: int = 2
    max_attempts: int = 3


class Interrupted(Exception):
    """The server is stopping; the job stays active in the database and is resumed on restart."""


def group_documents(pairs: list[tuple[str, str]]) -> list[dict[str, Any]]:
    """``[(docType, id), ...]`` as the spec's DocumentIdList array, grouped by docType in order."""
    groups: dict[str, list[str]] = {}
    for doc_type, object_id in pairs:
        groups.setdefault(doc_type, []).append(object_id)
    return [{"docType": t, "objectIds": ids} for t, ids in groups.items()]


@dataclass
class _Plan:
    """A job's documents sorted: exported (``usable``), archived, failed; seeded ones by ID."""

    usable: list[tuple[str, str]] = field(default_factory=list)
    archived: list[tuple[str, str]] = field(default_factory=list)
    failed: list[tuple[str, str]] = field(default_factory=list)
    seeded: dict[str, Document] = field(default_factory=dict)
    generate: int = 0  # documents whose PDF is generated (generateMissingPDF)
    left_out: list[tuple[str, str]] = field(default_factory=list)  # skipped by a PartialComplete fault
    partial: bool = False  # a fault rule ends the job PartialComplete


class JobRunner:
    def __init__(
        self,
        storage: Storage,
        world: World,
        data_dir: Path,
        options: JobOptions,
        *,
        clock: Clock | None = None,
        refresh_world: bool = False,
        writes: Any = None,
    ):
        self.storage = storage
        self.writes = writes or storage  # update_job / finish_job: the database, or a pipe to it
        self.world = world
        self.files_dir = Path(data_dir) / FILES_DIR
        self.options = options
        self.clock = clock or Clock()
        self.refresh_world = refresh_world
        self._world_version: int | None = None  # Storage.documents_version of world.seeded, when refreshed
        self._world_lock = threading.Lock()
        self._queue: queue.Queue[str | None] = queue.Queue()
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._pending: set[str] = set()
        self._pending_lock = threading.Lock()

    # -- lifecycle -----------------------------------------------------------------------------
    def start(self) -> None:
        """Start the worker threads and resume what a previous server left running."""
        if self.files_dir.is_dir():  # ZIPs a crash left half-written; their jobs are re-run
            for leftover in self.files_dir.glob("*.part"):
                leftover.unlink(missing_ok=True)
        for i in range(self.options.workers):
            thread = threading.Thread(target=self._loop, name=f"bulkpdf-mock-job-{i}", daemon=True)
            thread.start()
            self._threads.append(thread)
        self.recover()

    def stop(self, timeout: float = 30.0) -> None:
        self._stop.set()
        self.clock.wake()  # a job pausing on the clock sees the stop now, not when time moves
        for _ in self._threads:
            self._queue.put(None)
        deadline = time.monotonic() + timeout
        for thread in self._threads:
            thread.join(max(0.0, deadline - time.monotonic()))
        self._threads.clear()

    def submit(self, job_id: str) -> None:
        """Queue a job; a job already queued or running is not queued twice."""
        with self._pending_lock:
            if job_id in self._pending:
                return
            self._pending.add(job_id)
        self._queue.put(job_id)

    def recover(self) -> None:
        """Resume the jobs a previous server left active, or fail those that keep being interrupted."""
        for job in self.storage.active_jobs():
            if job["attempts"] >= self.options.max_attempts:
                self.writes.update_job(
                    job["id"], status="Error", finished_on=self.clock.now(),
                    reasons=[reason(ErrorCategory.INTERNAL, (
                        f"the job was interrupted {job['attempts']} times by a server stop or crash "
                        "and was not run again; submit a new job"
                    ))],
                )
            else:
                log.info("resuming job %s after a restart", job["id"])
                self.submit(job["id"])

    def _loop(self) -> None:
        while not self._stop.is_set():
            job_id = self._queue.get()
            if job_id is None:
                return
            try:
                self.run(job_id)
            finally:
                with self._pending_lock:
                    self._pending.discard(job_id)

    def _pause(self) -> None:
        delay = self.options.job_delay
        if self.clock.wait(delay, self._stop) if delay else self._stop.is_set():
            raise Interrupted

    def _step(self, job_id: str, step: str) -> None:
        self.writes.update_job(job_id, step_status=step)
        self._pause()

    # -- one job -------------------------------------------------------------------------------
    def run(self, job_id: str) -> None:
        try:
            self._run(job_id)
        except (Interrupted, Stopped):
            log.info("job %s interrupted by shutdown; it resumes when the server restarts", job_id)
        except OSError as exc:
            log.error("job %s failed: %s", job_id, exc)
            self._fail(job_id, reason(ErrorCategory.INTERNAL,
                                      f"the ZIP files could not be written: {exc.strerror or exc}"))
        except Exception:
            log.exception("job %s failed", job_id)
            self._fail(job_id, reason(ErrorCategory.INTERNAL, "internal error while running the job"))

    def _fail(self, job_id: str, why: dict[str, str]) -> None:
        try:
            self.writes.update_job(job_id, status="Error", finished_on=self.clock.now(), reasons=[why])
        except Exception:  # the database itself is unusable; the job is resumed on restart
            log.exception("could not mark job %s as failed", job_id)

    def _run(self, job_id: str) -> None:
        job = self.storage.job(job_id, documents=True)
        if job is None or job["status"] not in ACTIVE:
            return
        if self.refresh_world:
            self._refresh_world()
        self._pause()
        attempts = job["attempts"] + 1
        fault = job_fault_from_dict(job.get("fault"))
        if fault is not None and self._held(job_id, fault, attempts):
            return
        plan = self._sort(job.pop("documents"), bool(job["generate_missing"]))
        if fault is not None and fault.end == "PartialComplete":
            keep = max(1, len(plan.usable) - fault.skip)  # at least one document is exported
            plan.usable, plan.left_out, plan.partial = plan.usable[:keep], plan.usable[keep:], True
        if plan.archived and not job["ignore_archived"]:
            ids = ", ".join(i for _, i in plan.archived[:10]) + (" ..." if len(plan.archived) > 10 else "")
            self.writes.update_job(
                job_id, status="Error", step_status="TasksCreated", attempts=attempts,
                finished_on=self.clock.now(), failed=group_documents(plan.archived),
                reasons=[reason(ErrorCategory.BUSINESS_RULE, (
                    f"{len(plan.archived)} document(s) have archived PDFs and cannot be exported ({ids}); "
                    "set ignoreArchivedFiles to true to skip them"
                ))],
            )
            return
        # Each step is written (and paused on) when job_delay makes it observable; without a
        # delay a job writes only Executing and its final status, which keeps small jobs cheap.
        delayed = bool(self.options.job_delay)
        steps = ["TasksCreated", *(["GenerateMissPDF"] if plan.generate else []), "PdfToZip"]
        if not delayed:
            steps = steps[-1:]
        if delayed or len(plan.usable) > self.options.documents_per_zip:
            # A job of one ZIP is done in a blink: it goes from Submitted straight to its final
            # status, which saves a write per job under load.
            self.writes.update_job(job_id, status="Executing", step_status=steps[0], attempts=attempts)
        self._pause()
        for step in steps[1:]:
            self._step(job_id, step)
        files = self._write_zips(job, plan.usable, plan.seeded)
        if delayed:
            self._step(job_id, "PostProcessing")
        self._finish(job_id, plan, files)

    def _refresh_world(self) -> None:
        """Another process seeds documents: as a job starts, the seeded documents as they are
        now. They are read again only when they changed since the last read (reading and
        parsing 1,000 took ~11 ms, for every job, when they were always read). The version is
        read before the documents, so a change in between is read again by the next job; the
        lock keeps a slower thread from putting back an older world."""
        with self._world_lock:
            version = self.storage.documents_version()
            if version != self._world_version:
                self.world.seeded = {d["id"]: parse_document(d) for d in self.storage.seeded_documents()}
                self._world_version = version

    def _held(self, job_id: str, fault: JobFault, attempts: int) -> bool:
        """Apply a fault rule's job action: hold the job *Submitted*, then *Executing*, for its
        seconds of the clock; True when it ended the job (*Error*)."""
        if fault.submitted_for and self.clock.wait(fault.submitted_for, self._stop):
            raise Interrupted
        if fault.executing_for or fault.end == "Error":
            self.writes.update_job(job_id, status="Executing", step_status="TasksCreated", attempts=attempts)
            if fault.executing_for and self.clock.wait(fault.executing_for, self._stop):
                raise Interrupted
        if fault.end != "Error":
            return False
        reasons = [{"code": code, "message": message} for code, message in fault.reasons] or [
            reason(ErrorCategory.INTERNAL, "the job failed (a fault rule of the mock server ended it)")]
        self.writes.update_job(job_id, status="Error", step_status="TasksCreated", attempts=attempts,
                               finished_on=self.clock.now(), reasons=reasons)
        return True

    def _sort(self, pairs: list[tuple[str, str]], generate_missing: bool) -> _Plan:
        """Which requested documents are exported, skipped as archived, or failed."""
        plan = _Plan()
        for pair in pairs:
            doc_type, object_id = pair
            doc = self.world.lookup(object_id, doc_type)
            if doc is DEFAULT:
                plan.usable.append(pair)
                continue
            if doc is not None:
                plan.seeded[object_id] = doc
            if doc is None or (not doc.hasPdf and (not generate_missing or doc.pdfGenerationFails)):
                plan.failed.append(pair)
            elif doc.archived:
                plan.archived.append(pair)
            else:
                plan.generate += not doc.hasPdf
                plan.usable.append(pair)
        return plan

    def _finish(self, job_id: str, plan: _Plan, files: list[dict[str, Any]]) -> None:
        now = self.clock.now()
        reasons = None
        if plan.failed and not plan.usable:
            status = "Error"
            reasons = [reason(ErrorCategory.BUSINESS_RULE, "no document could be exported; see failedDocuments")]
        elif plan.failed:
            status = "PartialComplete"
            reasons = [reason(ErrorCategory.BUSINESS_RULE,
                              f"{len(plan.failed)} document(s) could not be exported; see failedDocuments")]
        elif plan.partial:
            status = "PartialComplete"
            reasons = [reason(ErrorCategory.BUSINESS_RULE,
                              f"{len(plan.left_out)} document(s) were skipped; see skippedDocuments")]
        else:
            status = "Completed"
        for f in files:
            f["expires_at"] = now + self.options.file_url_ttl
        self.writes.finish_job(
            job_id, files, status=status, step_status="PostProcessing", finished_on=now, reasons=reasons,
            skipped=group_documents(plan.archived + plan.left_out), failed=group_documents(plan.failed),
        )

    def _write_zips(
        self, job: dict[str, Any], usable: list[tuple[str, str]], seeded: dict[str, Document]
    ) -> list[dict[str, Any]]:
        """One ZIP per ``documents_per_zip`` documents; default-world documents are re-derived
        per ZIP rather than kept, so memory does not grow with the job."""
        self.files_dir.mkdir(exist_ok=True)
        created = datetime.fromtimestamp(job["created_on"], timezone.utc)
        date_time = max(created.timetuple()[:6], (1980, 1, 1, 0, 0, 0))
        generated_on = iso(created)
        index_format = job["index_format"] if job["persist_index"] else None
        files = []
        per_zip = self.options.documents_per_zip
        for start in range(0, len(usable), per_zip):
            n = start // per_zip + 1
            docs = [seeded.get(i) or default_document(i, t) for t, i in usable[start:start + per_zip]]
            rows = [index_row(d, generated_on) for d in docs]
            path = self.files_dir / f"{job['id']}_{n}.zip"
            size = write_zip(
                path, rows, _pdfs(docs), index_format, date_time, should_stop=self._stop.is_set
            )
            files.append({
                "n": n, "name": f"{job['file_name']}_{n}.zip", "path": f"{FILES_DIR}/{path.name}",
                "size": size, "documents": len(docs), "token": secrets.token_urlsafe(32),
            })
        if self._stop.is_set():
            raise Interrupted
        return files


def index_row(doc: Document, generated_on: str) -> dict[str, str]:
    """A document's row of the index, keyed by the contract's index columns in their order (the
    job process does not load the spec; a test holds the keys to ``Contract.index_columns``)."""
    return {
        "accountNumber": doc.accountNumber,
        "documentType": doc.docType,
        "documentNumber": doc.documentNumber,
        "documentCreatedOn": doc.documentCreatedOn,
        "pdfFileName": doc.pdfFileName,
        "pdfFileCreatedOn": doc.pdfFileCreatedOn if doc.hasPdf else generated_on,
    }


def _pdfs(docs: list[Document]) -> Iterator[bytes]:
    for doc in docs:
        yield make_pdf(doc.docType, doc.documentNumber, f"Account {doc.accountNumber}", f"Object ID {doc.id}")
