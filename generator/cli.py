"""The dfgen command line: parse options, call the pipeline, print, and exit with the right code."""

from __future__ import annotations

import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING

import click

from generator import __version__

if TYPE_CHECKING:
    from generator.config import Config

EXIT_STALE = 1
EXIT_BAD_INPUT = 2


@contextmanager
def reported_input_errors() -> Iterator[None]:
    """Print InputError diagnostics to stderr and exit 2, without a traceback."""
    from generator.diagnostics import InputError

    try:
        yield
    except InputError as error:
        for diagnostic in error.diagnostics or ["invalid input"]:
            click.echo(f"error: {diagnostic}", err=True)
        sys.exit(EXIT_BAD_INPUT)


def _generate_files(
    definitions: Path | None, out: Path | None, use_cache: bool = True
) -> tuple[Config, Path, Mapping[str, str]]:
    """The configuration, the output folder, and the files generate would write there."""
    from generator.cache import Cache
    from generator.config import load_config
    from generator.pipeline import generate

    config = load_config()
    out_path = out or config.out
    cache = Cache(config.cache) if use_cache and config.cache is not None else None
    files = generate(
        definitions or config.definitions,
        config.shown,
        config.pins,
        config.targets,
        config.template_dirs,
        cache,
        config.api,
    )
    return config, out_path, files


_definitions_option = click.option(
    "--definitions",
    type=click.Path(path_type=Path),
    help="A definitions folder or one definition file (default: [tool.dfgen] definitions, or definitions/).",
)
_out_option = click.option(
    "--out",
    type=click.Path(path_type=Path, file_okay=False),
    help="The output folder (default: [tool.dfgen] out, or generated/).",
)
_no_cache_option = click.option(
    "--no-cache",
    is_flag=True,
    help="Neither read nor write the cache ([tool.dfgen] cache, or .dfgen-cache/); the output is the same.",
)


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="dfgen")
def main() -> None:
    """Generate Pydantic models, OpenAPI 3.1 and Markdown docs from DemandFlow definitions."""


@main.command()
@_definitions_option
@_out_option
@_no_cache_option
def generate(definitions: Path | None, out: Path | None, no_cache: bool) -> None:
    """Write the generated files for every definition; exit 2 and write nothing on bad input."""
    from generator.output import write

    with reported_input_errors():
        config, out_path, files = _generate_files(definitions, out, not no_cache)
        changes = write(out_path, files)
    click.echo(f"dfgen: {config.shown(out_path)}: {len(files) + 1} files, {changes.summary()}")


@main.command()
@_definitions_option
@_out_option
@_no_cache_option
def check(definitions: Path | None, out: Path | None, no_cache: bool) -> None:
    """Exit 1 and name every file of the output folder that generate would change."""
    from generator.output import compare

    with reported_input_errors():
        config, out_path, files = _generate_files(definitions, out, not no_cache)
        changes = compare(out_path, files)
    shown = config.shown(out_path)
    if not changes:
        click.echo(f"dfgen: {shown} is up to date")
        return
    for label, paths in (("missing", changes.added), ("stale", changes.changed), ("obsolete", changes.removed)):
        for path in paths:
            click.echo(f"{label}: {shown}/{path}")
    click.echo(f"dfgen: {shown} is out of date; run `dfgen generate`", err=True)
    sys.exit(EXIT_STALE)


@main.command()
@click.argument("codes", nargs=-1)
@click.option("--all", "all_", is_flag=True, help="Fetch every entity of the tenant.")
@click.option("--base-url", help="The API's address (default: [tool.dfgen] base-url).")
@click.option(
    "--definitions",
    type=click.Path(path_type=Path, file_okay=False),
    help="The folder to write into (default: [tool.dfgen] definitions, or definitions/).",
)
@click.option("--check", is_flag=True, help="Write nothing; exit 1 and name the definitions the tenant changed.")
@click.option("--quiet", "-q", is_flag=True, help="No progress or summary; errors and differences only.")
def fetch(
    codes: tuple[str, ...], all_: bool, base_url: str | None, definitions: Path | None, check: bool, quiet: bool
) -> None:
    """Fetch the tenant's live DEFINITIONs into definitions/ as canonical YAML (token: DEMANDFLOW_TOKEN)."""
    import os

    from generator.api import Limits
    from generator.config import load_config
    from generator.fetch import FetchRequest, run

    # Hints repeat these as typed, so that the command they name works where this one did.
    options = [("--base-url", base_url), ("--definitions", None if definitions is None else str(definitions))]
    with reported_input_errors():
        config = load_config()
        limits = Limits(
            connect_timeout=config.connect_timeout, read_timeout=config.read_timeout, deadline=config.deadline
        )
        request = FetchRequest(
            codes=codes,
            all=all_,
            base_url=base_url or config.base_url,
            definitions=definitions or config.definitions,
            token_env=config.token_env,
            definition_path=config.definition_path,
            list_path=config.list_path,
            check=check,
            quiet=quiet,
            options=tuple(part for name, value in options if value is not None for part in (name, value)),
        )
        code = run(request, os.environ, config.shown, click.echo, lambda line: click.echo(line, err=True), limits)
    sys.exit(code)


@main.command()
@click.argument("old", metavar="OLD|REV")
@click.argument("new", required=False)
@click.option(
    "--format",
    "form",
    type=click.Choice(["text", "json", "markdown"]),
    default="text",
    show_default=True,
    help="text for people, json for machines, markdown for a pull-request comment.",
)
def diff(old: str, new: str | None, form: str) -> None:
    """What changed between two definitions, and whom it breaks; exit 1 if anything breaks.

    OLD and NEW are two definition files or folders. With one argument, REV, the configured
    definitions at that git revision are compared with the working tree.
    """
    from generator.config import load_config
    from generator.diff_report import report
    from generator.diff_sources import diff_paths, diff_revision

    with reported_input_errors():
        config = load_config()
        changes = diff_revision(config, old) if new is None else diff_paths(config, Path(old), Path(new))
    click.echo(report(changes, form), nl=False)
    # 1 as `check` uses it: something the user must look at, here a breaking change.
    sys.exit(1 if any(c.breaking for c in changes) else 0)


@main.command("import-doc")
@click.argument("page", type=click.Path(path_type=Path, dir_okay=False))
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the definition to this file instead of standard output.",
)
def import_doc(page: Path, output: Path | None) -> None:
    """Read an entity's documentation page (the vendor's, or one dfgen wrote) into a definition."""
    from generator.diagnostics import InputError, Location
    from generator.importdoc import import_page
    from generator.output import write_files

    with reported_input_errors():
        text = import_page(page, str(page))
        if output is None:
            click.echo(text, nl=False)
            return
        try:
            write_files(output.parent, {output.name: text})
        except OSError as error:
            raise InputError.at(Location(str(output)), f"cannot write file: {error.strerror}") from None


@main.command()
def targets() -> None:
    """List the targets, and where each template comes from (built-in or an override)."""
    from generator.config import load_config
    from generator.targets import available_targets, template_origin

    with reported_input_errors():
        config = load_config()
        template_dirs = config.template_dirs
        for target in available_targets(template_dirs):
            enabled = "on " if target.name in config.targets else "off"
            click.echo(f"{target.name} [{enabled}] {target.description}")
            for output in target.files:
                origin = template_origin(target, output.template, template_dirs)
                where = "built-in" if origin.is_relative_to(builtin_templates_dir()) else config.shown(origin)
                click.echo(f"  {output.path:<28} {output.template} ({where})")


def builtin_templates_dir() -> Path:
    """The shipped templates folder (lazy, so that --help stays fast)."""
    from generator.render import builtin_templates

    return builtin_templates()
