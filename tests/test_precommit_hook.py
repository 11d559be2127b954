"""The ``bulkpdf-lint`` hook, driven by pre-commit itself on a throw-away git repository.

pre-commit installs the hook from a committed revision, so this uses the checkout's HEAD:
``.pre-commit-hooks.yaml`` and the linter as committed (the working tree's edits are not seen).
Installing the hook environment pip-installs this project with its dependencies (about 40 s).
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[1]
VALID = {
    "documents": [{"docType": "Invoice", "objectIds": ["402880de8ce7edc3018ce7f18404315a"]}],
    "fileName": "all-invoices-posted-jan-2024",
    "indexFileFormat": "JSON",
}

pytestmark = pytest.mark.skipif(shutil.which("git") is None, reason="needs git")


def _git(*args: str, cwd: Path, env: dict, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True,
                          check=check, timeout=300)


def _head(env: dict) -> str:
    head = _git("rev-parse", "HEAD", cwd=REPO, env=env).stdout.strip()
    listed = _git("cat-file", "-e", f"{head}:.pre-commit-hooks.yaml", cwd=REPO, env=env, check=False)
    if listed.returncode != 0:
        pytest.fail(".pre-commit-hooks.yaml is not committed at HEAD; pre-commit installs from a commit")
    return head


@pytest.fixture
def git_env(tmp_path: Path) -> dict:
    """Isolated from the user's git and pre-commit configuration."""
    gitconfig = tmp_path / "gitconfig"
    gitconfig.write_text(
        "[user]\n\tname = Hook Test\n\temail = hook-test@example.com\n"
        "[commit]\n\tgpgsign = false\n[init]\n\tdefaultBranch = main\n"
        f"[safe]\n\tdirectory = {REPO}\n"
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "PRE_COMMIT"))}
    env.update(GIT_CONFIG_GLOBAL=str(gitconfig), GIT_CONFIG_NOSYSTEM="1",
               PRE_COMMIT_HOME=str(tmp_path / "pre-commit-home"), PRE_COMMIT_COLOR="never",
               PIP_DISABLE_PIP_VERSION_CHECK="1")
    return env


@pytest.mark.timeout(900)
def test_a_bad_payload_blocks_the_commit_and_a_good_one_passes(tmp_path: Path, git_env: dict):
    project = tmp_path / "project"
    project.mkdir()
    _git("init", "-q", cwd=project, env=git_env)
    (project / ".pre-commit-config.yaml").write_text(
        "repos:\n"
        f"  - repo: {REPO.as_posix()}\n"
        f"    rev: {_head(git_env)}\n"
        "    hooks:\n"
        "      - id: bulkpdf-lint\n"
        "        files: ^payloads/\n"
    )
    payload = project / "payloads" / "january.json"
    payload.parent.mkdir()
    payload.write_text(json.dumps({**VALID, "fileName": "x" * 33}, indent=2))
    (project / "settings.yaml").write_text("not: [a, payload]\n")  # outside files: not linted

    pre_commit = [sys.executable, "-m", "pre_commit"]
    installed = subprocess.run([*pre_commit, "install", "--install-hooks"], cwd=project, env=git_env,
                               capture_output=True, text=True, timeout=900)
    assert installed.returncode == 0, installed.stdout + installed.stderr

    _git("add", ".", cwd=project, env=git_env)
    blocked = _git("commit", "-m", "bad payload", cwd=project, env=git_env, check=False)
    output = blocked.stdout + blocked.stderr
    assert blocked.returncode != 0, output
    assert "bulkpdf lint" in output and "Failed" in output
    assert ("payloads/january.json:10:15: schema.maxLength: fileName is 33 characters long; "
            "at most 32 are allowed") in output
    assert "settings.yaml" not in output
    assert _git("rev-parse", "--verify", "-q", "HEAD", cwd=project, env=git_env,
                check=False).returncode != 0, "nothing may be committed"

    payload.write_text(json.dumps(VALID, indent=2))
    _git("add", ".", cwd=project, env=git_env)
    passed = _git("commit", "-m", "good payload", cwd=project, env=git_env, check=False)
    output = passed.stdout + passed.stderr
    assert passed.returncode == 0, output
    assert "bulkpdf lint" in output and "Passed" in output
    log = _git("log", "--format=%s", cwd=project, env=git_env).stdout.split()
    assert log == ["good", "payload"]
