"""docs/ci/github-actions.yml: a valid workflow, only real dfgen options, and its shell steps run for real."""

from __future__ import annotations

import json
import os
import re
import shlex
import subprocess
import sys
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import click
import pytest
import yaml
from packaging.requirements import Requirement

from generator.cli import main
from tests.helpers import CDR_DEFINITION, ROOT, serving

RECIPE = ROOT / "docs" / "ci" / "github-actions.yml"
BIN = Path(sys.executable).parent
TOKEN = "dfpat_recipe-test-token"
LIST_PATH = "/v1/entities/DEFINITION/SUB"
# Shell words after which a new command starts.
COMMAND_STARTS = {";", "&&", "||", "|", "(", "if", "then", "else", "elif", "do", "while", "until", "!"}


def load_recipe() -> dict[str, Any]:
    """The workflow as data; YAML 1.1 reads the key `on` as True, as GitHub does not."""
    data = yaml.safe_load(RECIPE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    if True in data:
        data["on"] = data.pop(True)
    return data


def dfgen_commands(script: str) -> list[list[str]]:
    """Every `dfgen ...` command in a shell script, as argv up to the next operator or redirection."""
    commands = []
    for line in script.splitlines():
        lexer = shlex.shlex(line, posix=True, punctuation_chars=True)
        lexer.whitespace_split = True
        words = list(lexer)
        for index, word in enumerate(words):
            if word == "dfgen" and (index == 0 or words[index - 1] in COMMAND_STARTS):
                argv = []
                for argument in words[index:]:
                    if argument and set(argument) <= set(";&|()<>"):
                        break
                    argv.append(argument)
                commands.append(argv)
    return commands


def recipe_commands() -> list[tuple[str, list[str]]]:
    """(job id, argv) of every dfgen command in every job's run steps."""
    found: list[tuple[str, list[str]]] = []
    for job_id, job in load_recipe()["jobs"].items():
        for step in job["steps"]:
            found.extend((job_id, argv) for argv in dfgen_commands(step.get("run", "")))
    return found


def require_subcommand(name: str) -> click.Command:
    """The CLI's subcommand, or a skip naming the one that is missing."""
    command = main.commands.get(name)
    if command is None:
        pytest.skip(f"`dfgen {name}` is not in this dfgen yet; the recipe's use of it is unchecked")
    return command


def test_the_recipe_is_a_valid_github_workflow() -> None:
    pytest.importorskip("check_jsonschema", reason="check-jsonschema is not installed (it is in the test extra)")
    # The schema ships inside check-jsonschema: no network.
    result = subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.github-workflows", str(RECIPE)],
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_recipe_runs_on_pull_requests_weekly_and_on_demand() -> None:
    recipe = load_recipe()
    assert set(recipe["on"]) == {"pull_request", "schedule", "workflow_dispatch"}
    [schedule] = recipe["on"]["schedule"]
    assert len(schedule["cron"].split()) == 5
    jobs = recipe["jobs"]
    assert jobs["pull-request"]["if"] == "github.event_name == 'pull_request'"
    assert "pull_request" not in jobs["tenant"]["if"] and "schedule" in jobs["tenant"]["if"]
    by_job: dict[str, list[str]] = {}
    for job_id, argv in recipe_commands():
        by_job.setdefault(job_id, []).append(" ".join(argv[:2] + [a for a in argv[2:] if a.startswith("-")]))
    assert by_job == {
        "pull-request": ["dfgen diff --format", "dfgen check"],
        "tenant": ["dfgen fetch --all --check", "dfgen fetch --all --quiet", "dfgen generate", "dfgen diff --format"],
    }
    uses = [step["uses"].split("@")[0] for step in jobs["tenant"]["steps"] if "uses" in step]
    assert uses[-1] == "peter-evans/create-pull-request"


def test_the_recipe_installs_dfgen_by_its_own_name_at_a_commit_the_team_fills_in() -> None:
    # `pip install dfgen` from PyPI would install an unrelated project of that name, and a tag
    # written into the recipe would name one that dfgen does not have.
    requirement = load_recipe()["env"]["DFGEN"]
    assert requirement == "demandflow-dfgen @ git+<dfgen repository URL>@<commit>"
    # As it is, pip refuses it at once (no network), rather than installing something else.
    refused = subprocess.run(
        [sys.executable, "-m", "pip", "install", "--dry-run", "--no-index", requirement],
        capture_output=True,
        text=True,
        check=False,
    )
    assert refused.returncode != 0 and "Invalid requirement" in refused.stderr, refused.stderr
    # Filled in, it is a direct reference to dfgen's distribution at one commit.
    filled = requirement.replace("<dfgen repository URL>", "https://git.example.invalid/dfgen")
    parsed = Requirement(filled.replace("<commit>", "0123456789abcdef0123456789abcdef01234567"))
    assert parsed.name == "demandflow-dfgen" and parsed.url is not None and parsed.url.startswith("git+https://")
    installs = [
        step["run"] for job in load_recipe()["jobs"].values() for step in job["steps"] if "pip" in step.get("run", "")
    ]
    assert installs == ['python -m pip install "$DFGEN"'] * 2


@pytest.mark.parametrize(
    ("job_id", "argv"), recipe_commands(), ids=[f"{job}: {shlex.join(argv)}" for job, argv in recipe_commands()]
)
def test_every_dfgen_command_is_one_the_cli_accepts(job_id: str, argv: list[str]) -> None:
    subcommand, arguments = argv[1], argv[2:]
    command = require_subcommand(subcommand)
    shown = subprocess.run(
        [sys.executable, "-m", "generator", subcommand, "--help"], capture_output=True, text=True, check=False
    )
    assert shown.returncode == 0, shown.stderr
    for option in (a.split("=")[0] for a in arguments if a.startswith("-")):
        assert re.search(rf"(?<![\w-]){re.escape(option)}(?![\w-])", shown.stdout), (
            f"{option} not in {subcommand} --help"
        )
    # click parses the exact words (choices, option values, argument counts) without running the command.
    with command.make_context(subcommand, list(arguments)) as context:
        assert context.command is command


def test_the_command_finder_sees_commands_after_operators_and_stops_at_redirections() -> None:
    script = (
        'if dfgen fetch --all --check; then\n  x || dfgen diff HEAD > "$T/out.md" || [ $? -eq 1 ]\nfi\n# dfgen no\n'
    )
    assert dfgen_commands(script) == [["dfgen", "fetch", "--all", "--check"], ["dfgen", "diff", "HEAD"]]


# Running the recipe's jobs: `run` steps in bash as GitHub runs them, `uses` steps recorded only.

EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
STEP_OUTPUT_IS = re.compile(r"steps\.([\w-]+)\.outputs\.([\w-]+) == '([^']*)'")


@dataclass
class JobRun:
    """What a job did: the steps that ran, their outputs and results, the actions it would call."""

    ran: list[str] = field(default_factory=list)
    outputs: dict[str, dict[str, str]] = field(default_factory=dict)
    results: dict[str, subprocess.CompletedProcess[str]] = field(default_factory=dict)
    actions: dict[str, dict[str, str]] = field(default_factory=dict)
    failed: str | None = None
    summary: str = ""


def substitute(text: str, values: dict[str, str]) -> str:
    """Replace each ${{ expression }} with the test's value for it."""

    def value(match: re.Match[str]) -> str:
        assert match.group(1) in values, f"the recipe uses ${{{{ {match.group(1)} }}}}; give the test a value for it"
        return values[match.group(1)]

    return EXPRESSION.sub(value, text)


def condition_holds(condition: str, run: JobRun, values: dict[str, str]) -> bool:
    """A step's `if:`: a step output compared with a string, or an expression the test decides."""
    matched = STEP_OUTPUT_IS.fullmatch(condition)
    if matched:
        step_id, name, expected = matched.groups()
        return run.outputs.get(step_id, {}).get(name) == expected
    assert condition in values, f"the recipe has `if: {condition}`; give the test a value for it"
    return values[condition] == "true"


def run_job(job_id: str, cwd: Path, temp: Path, values: dict[str, str]) -> JobRun:
    """Run one job of the recipe in cwd, as its runner would after checkout and dfgen's install."""
    recipe = load_recipe()
    job = recipe["jobs"][job_id]
    values = {"runner.temp": str(temp), **values}
    environ = {k: v for k, v in os.environ.items() if not k.startswith(("GIT_", "DEMANDFLOW"))}
    environ["PATH"] = f"{BIN}{os.pathsep}{environ.get('PATH', '')}"
    for source in (recipe.get("env", {}), job.get("env", {})):
        environ.update({name: substitute(str(text), values) for name, text in source.items()})
    temp.mkdir(parents=True, exist_ok=True)
    summary = temp / "step-summary.md"
    summary.touch()
    run = JobRun()
    for number, step in enumerate(job["steps"]):
        name = step.get("name") or step.get("uses") or f"step {number}"
        if "if" in step and not condition_holds(step["if"], run, values):
            continue
        if "uses" in step:
            action = step["uses"].split("@")[0]
            run.actions[action] = {key: substitute(str(text), values) for key, text in step.get("with", {}).items()}
            run.ran.append(name)
            continue
        if "pip install" in step["run"]:
            continue  # dfgen is already installed here: the one this test suite tests
        outputs_file = temp / f"output-{number}"
        outputs_file.write_text("", encoding="utf-8")
        env = {
            **environ,
            **{key: substitute(str(text), values) for key, text in step.get("env", {}).items()},
            "GITHUB_OUTPUT": str(outputs_file),
            "GITHUB_STEP_SUMMARY": str(summary),
            "RUNNER_TEMP": str(temp),
        }
        script = temp / f"step-{number}.sh"
        script.write_text(substitute(step["run"], values), encoding="utf-8")
        # GitHub's default shell for run steps on Linux.
        result = subprocess.run(
            ["bash", "--noprofile", "--norc", "-eo", "pipefail", str(script)],
            cwd=cwd,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        run.ran.append(name)
        run.results[name] = result
        lines = outputs_file.read_text(encoding="utf-8").splitlines()
        run.outputs[step.get("id", name)] = dict(line.split("=", 1) for line in lines)
        if result.returncode != 0:
            run.failed = name
            break
    run.summary = summary.read_text(encoding="utf-8")
    return run


def git(cwd: Path, *args: str) -> str:
    """Run git in cwd with a fixed identity; its output."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GIT_")}
    env.update(GIT_AUTHOR_NAME="t", GIT_AUTHOR_EMAIL="t@dfgen.invalid", GIT_COMMITTER_NAME="t")
    env.update(GIT_COMMITTER_EMAIL="t@dfgen.invalid")
    result = subprocess.run(["git", *args], cwd=cwd, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    return result.stdout


def dfgen(cwd: Path, *args: str, token: str | None = None) -> subprocess.CompletedProcess[str]:
    """Run `python -m generator` in cwd."""
    env = {k: v for k, v in os.environ.items() if k != "DEMANDFLOW_TOKEN"}
    if token is not None:
        env["DEMANDFLOW_TOKEN"] = token
    return subprocess.run(
        [sys.executable, "-m", "generator", *args], cwd=cwd, env=env, capture_output=True, text=True, check=False
    )


def cdr_data() -> dict[str, Any]:
    """The CDR definition as data."""
    data = yaml.safe_load(CDR_DEFINITION.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def edit_field(data: dict[str, Any], code: str, label: str | None = None, remove: bool = False) -> None:
    """Relabel or remove one field of a definition held as data."""
    for panel in data["panels"]:
        for section in panel["sections"]:
            for index, item in enumerate(section["fields"]):
                if item["code"] == code:
                    if remove:
                        del section["fields"][index]
                    else:
                        item["label"] = label
                    return
    raise AssertionError(f"no field {code}")


def write_definition(project: Path, data: dict[str, Any]) -> None:
    """Replace the project's CDR definition."""
    text = yaml.safe_dump(data, sort_keys=False, allow_unicode=True)
    (project / "definitions" / "cdr.yaml").write_text(text, encoding="utf-8")


@pytest.fixture()
def pr_project(tmp_path: Path) -> Path:
    """A project whose main branch (origin/main) has CDR and its generated models."""
    require_subcommand("diff")
    project = tmp_path / "project"
    (project / "definitions").mkdir(parents=True)
    (project / "definitions" / "cdr.yaml").write_bytes(CDR_DEFINITION.read_bytes())
    (project / "pyproject.toml").write_text('[tool.dfgen]\ntargets = ["models"]\n', encoding="utf-8")
    assert dfgen(project, "generate").returncode == 0
    git(project, "init", "-q")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "CDR")
    git(project, "update-ref", "refs/remotes/origin/main", "HEAD")
    return project


PR_CONDITION = "github.event.pull_request.head.repo.full_name == github.repository"
PR_VALUES = {"github.base_ref": "main", PR_CONDITION: "true"}


def test_pull_request_job_reports_a_breaking_change_and_passes_when_regenerated(
    pr_project: Path, tmp_path: Path
) -> None:
    data = cdr_data()
    edit_field(data, "sessionId", remove=True)
    write_definition(pr_project, data)
    assert dfgen(pr_project, "generate").returncode == 0
    run = run_job("pull-request", pr_project, tmp_path, PR_VALUES)
    assert run.failed is None, run.results
    assert run.ran == [
        "actions/checkout@v4",
        "actions/setup-python@v5",
        "What the definitions change, and whom it breaks",
        "Comment on the pull request",
        "Generated code matches the definitions",
    ]
    assert "### dfgen diff: 1 change, 1 breaking" in run.summary
    assert "sessionId" in run.summary
    comment = Path(run.actions["marocchino/sticky-pull-request-comment"]["path"])
    assert comment.read_text(encoding="utf-8") == run.summary
    assert "is up to date" in run.results["Generated code matches the definitions"].stdout


def test_pull_request_job_fails_when_generated_code_is_stale(pr_project: Path, tmp_path: Path) -> None:
    data = cdr_data()
    edit_field(data, "callType", label="Kind of Call")
    write_definition(pr_project, data)
    run = run_job("pull-request", pr_project, tmp_path, {**PR_VALUES, PR_CONDITION: "false"})
    assert run.failed == "Generated code matches the definitions"
    assert run.results[run.failed].returncode == 1
    assert "stale: generated/models/cdr.py" in run.results[run.failed].stdout
    assert "Comment on the pull request" not in run.ran  # a fork's pull request: the summary only
    assert "1 change, 0 breaking" in run.summary


def test_pull_request_job_fails_on_a_definition_that_does_not_validate(pr_project: Path, tmp_path: Path) -> None:
    data = cdr_data()
    data["panels"][0]["sections"][0]["fields"][1]["type"] = "colour"
    write_definition(pr_project, data)
    run = run_job("pull-request", pr_project, tmp_path, PR_VALUES)
    assert run.failed == "What the definitions change, and whom it breaks"
    assert "error: definitions/cdr.yaml:" in run.results[run.failed].stderr
    assert "unknown type 'colour'" in run.results[run.failed].stderr
    assert "Generated code matches the definitions" not in run.ran


class Tenant:
    """A DemandFlow API on 127.0.0.1 that lists the definitions it holds, for one bearer token."""

    def __init__(self) -> None:
        self.definitions: list[dict[str, Any]] = []
        tenant = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                if self.headers.get("Authorization") != f"Bearer {TOKEN}":
                    self.reply(401, {"error": "unauthorized"})
                elif self.path == LIST_PATH:
                    self.reply(200, {"items": tenant.definitions, "next": None})
                else:
                    self.reply(404, {"error": "not found"})

            def reply(self, status: int, body: Any) -> None:
                payload = json.dumps(body).encode("utf-8")
                self.send_response(status)
                self.send_header("Content-Type", "application/json")
                self.send_header("Content-Length", str(len(payload)))
                self.end_headers()
                self.wfile.write(payload)

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"


@pytest.fixture()
def tenant() -> Iterator[Tenant]:
    """The tenant's API, serving CDR, stopped afterwards."""
    server = Tenant()
    server.definitions = [cdr_data()]
    with serving(server.httpd):
        yield server


@pytest.fixture()
def tenant_project(tmp_path: Path, tenant: Tenant) -> Path:
    """A project that fetched the tenant's definitions and generated its models, all committed."""
    require_subcommand("fetch")
    require_subcommand("diff")
    project = tmp_path / "project"
    project.mkdir()
    (project / "pyproject.toml").write_text(
        f'[tool.dfgen]\ntargets = ["models"]\nbase-url = "{tenant.url}"\n', encoding="utf-8"
    )
    fetched = dfgen(project, "fetch", "--all", token=TOKEN)
    assert fetched.returncode == 0, fetched.stderr
    assert dfgen(project, "generate").returncode == 0
    git(project, "init", "-q")
    git(project, "add", "-A")
    git(project, "commit", "-q", "-m", "the tenant's definitions")
    return project


def test_scheduled_job_fetches_regenerates_and_opens_a_pull_request(
    tenant_project: Path, tenant: Tenant, tmp_path: Path
) -> None:
    data = cdr_data()
    edit_field(data, "callType", label="Kind of Call")
    tenant.definitions = [data]
    run = run_job("tenant", tenant_project, tmp_path / "runner", {"secrets.DEMANDFLOW_TOKEN": TOKEN})
    assert run.failed is None, run.results
    assert run.outputs["compare"] == {"changed": "true"}
    assert (
        "changed on the tenant: CDR (definitions/cdr.yaml)"
        in run.results["Compare definitions/ with the tenant"].stdout
    )
    assert run.ran[-1] == "Open or update the pull request"
    pull_request = run.actions["peter-evans/create-pull-request"]
    body = Path(pull_request["body-path"]).read_text(encoding="utf-8")
    assert body.startswith("### dfgen diff: 1 change, 0 breaking")
    assert "callType" in body
    # What the pull request would commit: the new definition and the code generated from it (the manifest
    # records each file's digest, so it changes with the file).
    assert sorted(git(tenant_project, "status", "--porcelain").splitlines()) == [
        " M definitions/cdr.yaml",
        " M generated/.dfgen-manifest.json",
        " M generated/models/cdr.py",
    ]
    assert "Kind of Call" in (tenant_project / "generated" / "models" / "cdr.py").read_text(encoding="utf-8")
    assert dfgen(tenant_project, "check").returncode == 0


def test_scheduled_job_does_nothing_when_the_tenant_matches(tenant_project: Path, tmp_path: Path) -> None:
    run = run_job("tenant", tenant_project, tmp_path / "runner", {"secrets.DEMANDFLOW_TOKEN": TOKEN})
    assert run.failed is None, run.results
    assert run.outputs["compare"] == {"changed": "false"}
    assert run.ran[-1] == "Compare definitions/ with the tenant"
    assert "peter-evans/create-pull-request" not in run.actions
    assert git(tenant_project, "status", "--porcelain") == ""


def test_scheduled_job_fails_without_a_token(tenant_project: Path, tmp_path: Path) -> None:
    run = run_job("tenant", tenant_project, tmp_path / "runner", {"secrets.DEMANDFLOW_TOKEN": ""})
    assert run.failed == "Compare definitions/ with the tenant"
    assert run.results[run.failed].returncode == 2
    assert "DEMANDFLOW_TOKEN" in run.results[run.failed].stderr
    assert "peter-evans/create-pull-request" not in run.actions
    assert git(tenant_project, "status", "--porcelain") == ""
