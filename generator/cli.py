"""The dfgen command line: parse options, call the pipeline, print, and exit with the right code."""

from __future__ import annotations

import os
import shlex
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import click

from generator import __version__, cache, pipeline
from generator.config import Config, load_config
from generator.definitions.load import definition_files
from generator.definitions.schema import schema_text
from generator.diagnostics import InputError
from generator.diff.report import report
from generator.diff.sources import diff_paths, diff_revision
from generator.importdoc.read import import_page
from generator.output.files import Changes, OutputFault, compare, expected_digests, write, write_files
from generator.pipeline import Settings, Source, read_sources
from generator.targets.engine import available_targets, find_target, override_problems, template_origin
from generator.targets.environment import builtin_templates
from generator.tenant import api as tenant_api
from generator.tenant import fetch as tenant

EXIT_STALE = 1
EXIT_BAD_INPUT = 2
EXIT_FAULT = 3


@contextmanager
def reported_input_errors() -> Iterator[None]:
    """Print InputError diagnostics to stderr and exit 2, without a traceback."""
    try:
        yield
    except InputError as error:
        for diagnostic in [str(d) for d in error.diagnostics] or ["invalid input"]:
            click.echo(f"error: {diagnostic}", err=True)
        sys.exit(EXIT_BAD_INPUT)


@contextmanager
def reported_faults() -> Iterator[None]:
    """Print an environmental fault (read-only, full, in the way) as one line and exit 3, without a traceback."""
    try:
        yield
    except OutputFault as fault:
        click.echo(f"error: {fault}", err=True)
        sys.exit(EXIT_FAULT)
    except OSError as error:
        where = error.filename if error.filename is not None else "dfgen"
        click.echo(f"error: {where}: {error.strerror or error}", err=True)
        sys.exit(EXIT_FAULT)


@dataclass(frozen=True)
class _Run:
    """One generation as the configuration and flags ask for it, with its inputs read once."""

    config: Config
    out: Path
    definitions: Path
    sources: list[Source]
    definitions_source: str
    settings: Settings
    # Where the run cache lives; None when it is off or cannot cover the inputs.
    cache: Path | None
    key: str | None

    def files(self) -> dict[str, str]:
        """Every generated file, rendered now."""
        return pipeline.generate(self.sources, self.definitions_source, self.settings)

    def known(self) -> dict[str, str] | None:
        """The file digests the run cache holds for exactly these inputs, if it holds them."""
        return cache.load(self.cache, self.key) if self.cache is not None and self.key is not None else None

    def expected(self) -> dict[str, str]:
        """The digest of every file the output folder must hold: from the cache, or rendered and stored."""
        known = self.known()
        return known if known is not None else self.remember(expected_digests(self.files()))

    def inputs(self) -> list[Path]:
        """What the run reads, which no manifest can make dfgen replace or remove."""
        config = self.config
        caches = [config.cache] if config.cache is not None else []
        return [config.root / "pyproject.toml", *definition_files(self.definitions), *config.template_dirs, *caches]

    def compare(self, expected: dict[str, str]) -> Changes:
        """How the output folder differs from the expected digests; waits for a generate in progress."""
        return compare(self.out, expected, self.inputs(), self.config.shown(self.out), self.waiting)

    def waiting(self) -> None:
        """Say that another run holds the output folder."""
        click.echo(f"dfgen: waiting for another dfgen run on {self.config.shown(self.out)}", err=True)

    def remember(self, digests: dict[str, str]) -> dict[str, str]:
        """Store the digests under this run's key (when the cache is on)."""
        if self.cache is not None and self.key is not None:
            cache.save(self.cache, self.key, digests)
        return digests


def _prepare(definitions: Path | None, out: Path | None, use_cache: bool) -> _Run:
    """The configuration merged with the flags, and the definition files read."""
    config = _load_checked_config()
    definitions_path = definitions or config.definitions
    sources = read_sources(definitions_path, config.shown)
    settings = Settings(config.pins, config.targets, config.template_dirs, config.api)
    shown = config.shown(definitions_path)
    folder = config.cache if use_cache else None
    # A target whose context is Python of the project's own: no digest of dfgen covers its code.
    if folder is not None and any(not _builtin_context(name, config) for name in config.targets):
        folder = None
    key = None
    if folder is not None:
        key = cache.run_key(sources, shown, settings, [*config.template_dirs, builtin_templates()])
    return _Run(config, out or config.out, definitions_path, sources, shown, settings, folder, key)


def _load_checked_config() -> Config:
    """The configuration, refused when an override file replaces no template (a typo in its name)."""
    config = load_config()
    problems = override_problems(config.template_dirs, config.shown)
    if problems:
        raise InputError(problems)
    return config


def _builtin_context(name: str, config: Config) -> bool:
    context = find_target(name, config.template_dirs).context
    return context is None or context.startswith("generator.targets.")


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
    with reported_input_errors(), reported_faults():
        run = _prepare(definitions, out, not no_cache)
        shown = run.config.shown(run.out)
        known = run.known()
        if known is not None and not run.compare(known):
            click.echo(f"dfgen: {shown}: {len(known)} files, up to date")
            return
        files = run.files()
        changes = write(run.out, files, run.inputs(), shown, run.waiting)
        run.remember(expected_digests(files))
    for path, reason in changes.kept.items():
        click.echo(f"dfgen: kept {shown}/{path}: {reason}", err=True)
    click.echo(f"dfgen: {shown}: {len(files) + 1} files, {changes.summary()}")


@main.command()
@_definitions_option
@_out_option
@_no_cache_option
def check(definitions: Path | None, out: Path | None, no_cache: bool) -> None:
    """Exit 1 and name every file of the output folder that generate would change."""
    with reported_input_errors(), reported_faults():
        run = _prepare(definitions, out, not no_cache)
        changes = run.compare(run.expected())
    shown = run.config.shown(run.out)
    if not changes:
        click.echo(f"dfgen: {shown} is up to date")
        return
    obsolete = sorted([*changes.removed, *changes.kept])
    labels = (("missing", changes.added), ("stale", changes.changed), ("obsolete", obsolete))
    for label, paths in (*labels, ("leftover", changes.leftovers)):
        for path in paths:
            click.echo(f"{label}: {shown}/{path}")
    # The same folders as this check: `dfgen generate` alone would write the configured ones.
    flags = [*(["--definitions", str(definitions)] if definitions else []), *(["--out", str(out)] if out else [])]
    click.echo(f"dfgen: {shown} is out of date; run `{shlex.join(['dfgen', 'generate', *flags])}`", err=True)
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
    # Hints repeat these as typed, so that the command they name works where this one did.
    options = [("--base-url", base_url), ("--definitions", None if definitions is None else str(definitions))]
    with reported_input_errors():
        config = load_config()
        limits = tenant_api.Limits(
            connect_timeout=config.connect_timeout, read_timeout=config.read_timeout, deadline=config.deadline
        )
        request = tenant.FetchRequest(
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
        code = tenant.run(
            request, os.environ, config.shown, click.echo, lambda line: click.echo(line, err=True), limits
        )
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
    with reported_input_errors():
        config = load_config()
        changes = diff_revision(config, old) if new is None else diff_paths(config, Path(old), Path(new))
    click.echo(report(changes, form), nl=False)
    # 1 as `check` uses it: something the user must look at, here a breaking change.
    sys.exit(1 if any(c.breaking for c in changes) else 0)


def _emit(text: str, output: Path | None) -> None:
    """Print the text, or write it to `output`; a write the disk refuses is an environmental fault (exit 3)."""
    if output is None:
        click.echo(text, nl=False)
        return
    try:
        write_files(output.parent, {output.name: text})
    except OSError as error:
        click.echo(f"error: {output}: cannot write file: {error.strerror}", err=True)
        sys.exit(EXIT_FAULT)


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
    with reported_input_errors():
        text = import_page(page, str(page))
    _emit(text, output)


@main.command()
@click.option("--api", is_flag=True, help="The JSON the API returns: envelope keys allowed, text only as strings.")
@click.option(
    "-o",
    "--output",
    type=click.Path(path_type=Path, dir_okay=False),
    help="Write the schema to this file instead of standard output.",
)
def schema(api: bool, output: Path | None) -> None:
    """Print the DEFINITION format as JSON Schema 2020-12, for editors (see docs/definition-format.md)."""
    _emit(schema_text(api), output)


@main.command()
def targets() -> None:
    """List the targets, and where each template comes from (built-in or an override)."""
    with reported_input_errors():
        config = _load_checked_config()
        template_dirs = config.template_dirs
        for target in available_targets(template_dirs):
            enabled = "on " if target.name in config.targets else "off"
            click.echo(f"{target.name} [{enabled}] {target.description}")
            for output in target.files:
                origin = template_origin(target, output.template, template_dirs)
                where = "built-in" if origin.is_relative_to(builtin_templates()) else config.shown(origin)
                click.echo(f"  {output.path:<28} {output.template} ({where})")
