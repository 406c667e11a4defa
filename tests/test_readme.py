"""The README's Quick start is what CI runs."""

from __future__ import annotations

import re

from tests.helpers import ROOT


def quick_start_commands() -> list[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Quick start", 1)[1].split("\n## ", 1)[0]
    return re.findall(r"```sh\n(.*?)\n```", section, flags=re.S)


def test_quick_start_has_two_commands_and_ci_runs_the_test_one() -> None:
    setup_and_generate, setup_and_test = quick_start_commands()
    assert "dfgen generate" in setup_and_generate and "pytest" in setup_and_test
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8").splitlines()
    assert setup_and_test in ci
