"""``bulkpdf lint``: check request payload files (JSON or YAML) against the contract.

Made for pre-commit, where it runs on a handful of files per commit, and for CI, where it runs
on thousands. The steps are separate modules, in the order a file goes through them:
:mod:`.reading` (finding files, the size limit, UTF-8 text), :mod:`.parsing` (orjson for JSON,
:mod:`.safe_yaml` for YAML: JSON-only types, alias-bomb and depth limits), :mod:`.engine` (a document -> findings, envelopes, positions from :mod:`.positions`),
:mod:`.report` (text or JSON) and :mod:`.cli` (options, exit codes).

None of them imports the mock server, schemathesis, Hypothesis or jsonschema: a pre-commit hook
pays only for the validators. The names below are the linter's Python API; the limits are read
from the module that defines them (``reading.MAX_FILE_BYTES``, ``safe_yaml.MAX_YAML_VALUES``,
``safe_yaml.MAX_DEPTH``, ``engine.MAX_FINDINGS``); the first and last are re-exported here for
reading only. :mod:`.safe_yaml` (PyYAML) and :mod:`.har` are imported only when a YAML file or
a HAR file is linted: a hook run over JSON files starts without them.
"""

from .cli import add_arguments, run
from .engine import ENVELOPE_FIELDS, MAX_FINDINGS, is_envelope, lint_document, lint_file, lint_paths, lint_text
from .findings import FileFinding, FileProblem
from .parsing import Parsed, load_file_names, parse
from .reading import MAX_FILE_BYTES, SUFFIXES, collect, decode, read_file

__all__ = [
    "ENVELOPE_FIELDS",
    "MAX_FILE_BYTES",
    "MAX_FINDINGS",
    "SUFFIXES",
    "FileFinding",
    "FileProblem",
    "Parsed",
    "add_arguments",
    "collect",
    "decode",
    "is_envelope",
    "lint_document",
    "lint_file",
    "lint_paths",
    "lint_text",
    "load_file_names",
    "parse",
    "read_file",
    "run",
]
