"""The pre-commit hooks of .pre-commit-hooks.yaml, run by pre-commit itself on a scratch project."""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from tests.helpers import CDR_DEFINITION, ROOT

pytest.importorskip("pre_commit", reason="pre-commit is not installed (it is in the test extra)")

# callType's label, however the definition file quotes it.
OLD_LABEL = re.compile(r'^(\s*label: )"?Call Type"?$', re.MULTILINE)
STALE = "stale: generated/models/cdr.py"


def git_env(home: Path) -> dict[str, str]:
    """The environment without the caller's git state, with a committer and a pre-commit store of our own."""
    env = {key: value for key, value in os.environ.items() if not key.startswith(("GIT_", "PRE_COMMIT"))}
    env.update(
        PRE_COMMIT_HOME=str(home),
        GIT_AUTHOR_NAME="dfgen tests",
        GIT_AUTHOR_EMAIL="tests@dfgen.invalid",
        GIT_COMMITTER_NAME="dfgen tests",
        GIT_COMMITTER_EMAIL="tests@dfgen.invalid",
        GIT_CONFIG_NOSYSTEM="1",
    )
    return env


def run(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run a command in cwd; output and exit code, never an exception."""
    return subprocess.run(args, cwd=cwd, env=env, capture_output=True, text=True, check=False)


def commit_all(folder: Path, env: dict[str, str], message: str) -> None:
    """Stage everything in folder and commit it."""
    for command in (("git", "add", "-A"), ("git", "commit", "-q", "--no-verify", "-m", message)):
        result = run(folder, env, *command)
        assert result.returncode == 0, result.stderr


def pre_commit(cwd: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    """Run pre-commit with the test's Python, as a user's `pre-commit` would run."""
    return run(cwd, env, sys.executable, "-m", "pre_commit", *args)


def try_check(project: Path, env: dict[str, str], hook_repo: Path) -> subprocess.CompletedProcess[str]:
    """`pre-commit try-repo <dfgen> dfgen-check --all-files` in the project."""
    return pre_commit(project, env, "try-repo", str(hook_repo), "dfgen-check", "--all-files", "--color", "never")


def run_hook(project: Path, env: dict[str, str], hook: str) -> subprocess.CompletedProcess[str]:
    """`pre-commit run <hook> --all-files` with the project's .pre-commit-config.yaml (any stage)."""
    return pre_commit(project, env, "run", hook, "--hook-stage", "manual", "--all-files", "--color", "never")


def readme_config(marker: str) -> str:
    """The README's .pre-commit-config.yaml snippet that holds `marker`, as printed."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### pre-commit", 1)[1].split("\n## ", 1)[0].split("\n### ", 1)[0]
    [snippet] = [block for block in re.findall(r"```yaml\n(.*?)```", section, flags=re.S) if marker in block]
    return snippet


@pytest.fixture(scope="module")
def env(tmp_path_factory: pytest.TempPathFactory) -> dict[str, str]:
    """One pre-commit store for the module, so the hooks' virtualenv is installed once."""
    return git_env(tmp_path_factory.mktemp("pre-commit-home"))


@pytest.fixture(scope="module")
def hook_repo(tmp_path_factory: pytest.TempPathFactory, env: dict[str, str]) -> tuple[Path, str]:
    """This repository's working tree (what the tests test) as a one-commit git repository, and that commit."""
    listing = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        text=True,
        check=False,
    )
    if listing.returncode != 0:
        pytest.skip("pre-commit installs hooks from a git repository; this source tree is not one")
    repo = tmp_path_factory.mktemp("hook-repo")
    for relative in filter(None, listing.stdout.split("\0")):
        source = ROOT / relative
        if source.is_file():  # a tracked file deleted in the working tree is not part of it
            (repo / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, repo / relative)
    assert (repo / ".pre-commit-hooks.yaml").is_file()
    assert run(repo, env, "git", "init", "-q").returncode == 0
    commit_all(repo, env, "dfgen working tree")
    head = run(repo, env, "git", "rev-parse", "HEAD").stdout.strip()
    return repo, head


@pytest.fixture(scope="module")
def template_project(
    tmp_path_factory: pytest.TempPathFactory, env: dict[str, str], hook_repo: tuple[Path, str]
) -> Path:
    """A committed user project: [tool.dfgen], definitions/, generated/ and a .pre-commit-config.yaml."""
    project = tmp_path_factory.mktemp("project")
    (project / "definitions").mkdir()
    shutil.copy(CDR_DEFINITION, project / "definitions" / "cdr.yaml")
    (project / "pyproject.toml").write_text('[tool.dfgen]\ntargets = ["models"]\n', encoding="utf-8")
    generated = run(project, env, sys.executable, "-m", "generator", "generate")
    assert generated.returncode == 0, generated.stderr
    repo, head = hook_repo
    # The README's snippet, with this working tree and its commit in place of the placeholders.
    snippet = readme_config("repo: <dfgen repository URL>")
    snippet = snippet.replace("<dfgen repository URL>", repo.as_posix()).replace("<commit>", head)
    (project / ".pre-commit-config.yaml").write_text(snippet, encoding="utf-8")
    assert run(project, env, "git", "init", "-q").returncode == 0
    commit_all(project, env, "definitions and generated models")
    return project


@pytest.fixture()
def project(template_project: Path, tmp_path: Path) -> Path:
    """A fresh copy of the committed project (with its .git), for one test to change."""
    copy = tmp_path / "project"
    shutil.copytree(template_project, copy, symlinks=True)
    return copy


def relabel(project: Path) -> None:
    """Change a field's label in the definition, without regenerating."""
    definition = project / "definitions" / "cdr.yaml"
    text, count = OLD_LABEL.subn(r"\1Kind of Call", definition.read_text(encoding="utf-8"))
    assert count == 1
    definition.write_text(text, encoding="utf-8")


def test_try_repo_check_passes_when_generated_code_is_current(
    project: Path, env: dict[str, str], hook_repo: tuple[Path, str]
) -> None:
    result = try_check(project, env, hook_repo[0])
    assert result.returncode == 0, result.stdout + result.stderr
    assert "dfgen check (generated code matches the definitions)" in result.stdout
    assert "Passed" in result.stdout


def test_try_repo_check_fails_and_names_the_stale_file(
    project: Path, env: dict[str, str], hook_repo: tuple[Path, str]
) -> None:
    relabel(project)
    result = try_check(project, env, hook_repo[0])
    assert result.returncode == 1, result.stdout + result.stderr
    assert "Failed" in result.stdout
    assert STALE in result.stdout
    assert "run `dfgen generate`" in result.stdout


def test_generate_hook_regenerates_then_check_passes(project: Path, env: dict[str, str]) -> None:
    relabel(project)
    fixed = run_hook(project, env, "dfgen-generate")
    # pre-commit fails a hook that changed files, so that the user looks at them and stages them.
    assert fixed.returncode == 1, fixed.stdout + fixed.stderr
    assert "files were modified by this hook" in fixed.stdout
    assert "Kind of Call" in (project / "generated" / "models" / "cdr.py").read_text(encoding="utf-8")
    changed = run(project, env, "git", "status", "--porcelain").stdout.splitlines()
    # The manifest records each file's digest, so it changes with the file.
    expected = [" M definitions/cdr.yaml", " M generated/.dfgen-manifest.json", " M generated/models/cdr.py"]
    assert sorted(changed) == expected
    checked = run_hook(project, env, "dfgen-check")
    assert checked.returncode == 0, checked.stdout + checked.stderr
    again = run_hook(project, env, "dfgen-generate")
    assert again.returncode == 0, again.stdout + again.stderr


def test_installed_hook_refuses_a_commit_with_stale_generated_code(project: Path, env: dict[str, str]) -> None:
    assert pre_commit(project, env, "install").returncode == 0
    relabel(project)
    run(project, env, "git", "add", "definitions/cdr.yaml")
    refused = run(project, env, "git", "commit", "-m", "relabel callType")
    assert refused.returncode != 0
    assert STALE in refused.stdout + refused.stderr
    assert run(project, env, "git", "rev-list", "--count", "HEAD").stdout.strip() == "1"
    assert run(project, env, sys.executable, "-m", "generator", "generate").returncode == 0
    run(project, env, "git", "add", "definitions", "generated")
    accepted = run(project, env, "git", "commit", "-m", "relabel callType")
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert run(project, env, "git", "rev-list", "--count", "HEAD").stdout.strip() == "2"


def test_the_readme_names_no_tag_for_the_hooks() -> None:
    """dfgen has no release tags: the remote snippet's rev is a placeholder for a commit, not a made-up tag."""
    snippet = readme_config("repo: <dfgen repository URL>")
    assert re.search(r"^    rev: <commit> ", snippet, flags=re.M), snippet


@pytest.fixture()
def local_hook_project(project: Path, env: dict[str, str]) -> tuple[Path, dict[str, str]]:
    """The project with the README's local hook, and an environment whose PATH has this dfgen."""
    (project / ".pre-commit-config.yaml").write_text(readme_config("repo: local"), encoding="utf-8")
    return project, {**env, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{env.get('PATH', '')}"}


def test_the_readme_s_local_hook_passes_then_names_the_stale_file(
    local_hook_project: tuple[Path, dict[str, str]],
) -> None:
    project, env = local_hook_project
    passed = pre_commit(project, env, "run", "dfgen-check", "--all-files", "--color", "never")
    assert passed.returncode == 0, passed.stdout + passed.stderr
    relabel(project)
    failed = pre_commit(project, env, "run", "dfgen-check", "--all-files", "--color", "never")
    assert failed.returncode == 1, failed.stdout + failed.stderr
    assert STALE in failed.stdout and "run `dfgen generate`" in failed.stdout
