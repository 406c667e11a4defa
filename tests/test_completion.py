"""Shell completion of the installed dfgen command, as the README tells users to enable it."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from generator.cli import main

BIN = Path(sys.executable).parent
DFGEN = BIN / ("dfgen.exe" if os.name == "nt" else "dfgen")


def completion_env(**variables: str) -> dict[str, str]:
    """The environment with the installed dfgen first on PATH."""
    return {**os.environ, "PATH": f"{BIN}{os.pathsep}{os.environ.get('PATH', '')}", **variables}


def complete(*words: str) -> list[str]:
    """What the installed dfgen offers for the last of `words` (click's bash protocol: type,value)."""
    result = subprocess.run(
        [str(DFGEN)],
        env=completion_env(_DFGEN_COMPLETE="bash_complete", COMP_WORDS=" ".join(words), COMP_CWORD=str(len(words) - 1)),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    return result.stdout.splitlines()


def test_the_console_script_is_installed() -> None:
    assert DFGEN.is_file(), f"no {DFGEN}: install dfgen (pip install -e .) to get the dfgen command"


@pytest.mark.parametrize(
    ("shell", "marker"), [("bash", "complete -o nosort -F"), ("zsh", "#compdef dfgen"), ("fish", "complete")]
)
def test_each_shell_gets_a_completion_script(shell: str, marker: str) -> None:
    result = subprocess.run(
        [str(DFGEN)], env=completion_env(_DFGEN_COMPLETE=f"{shell}_source"), capture_output=True, text=True, check=False
    )
    assert result.returncode == 0, result.stderr
    assert marker in result.stdout
    assert "dfgen" in result.stdout
    assert f"_DFGEN_COMPLETE={shell}_complete" in result.stdout


def test_subcommands_options_and_choices_complete() -> None:
    assert complete("dfgen", "ge") == ["plain,generate"]
    assert complete("dfgen", "") == [f"plain,{name}" for name in sorted(main.commands)]
    assert {"plain,--definitions", "plain,--out"} <= set(complete("dfgen", "check", "--"))
    if "diff" in main.commands:
        assert complete("dfgen", "diff", "--format", "") == ["plain,text", "plain,json", "plain,markdown"]


@pytest.mark.skipif(shutil.which("bash") is None, reason="bash is not installed")
def test_bash_completes_after_sourcing_the_script() -> None:
    # What a user's ~/.bashrc line does, then what bash does on `dfgen ch<TAB>`.
    script = 'eval "$(_DFGEN_COMPLETE=bash_source dfgen)"\nCOMP_WORDS=(dfgen ch)\nCOMP_CWORD=1\n'
    script += '_dfgen_completion dfgen\nprintf "%s\\n" "${COMPREPLY[@]}"\n'
    result = subprocess.run(
        ["bash", "--noprofile", "--norc", "-c", script],
        env=completion_env(),
        capture_output=True,
        text=True,
        check=False,
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout == "check\n"
