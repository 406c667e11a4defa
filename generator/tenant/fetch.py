"""dfgen fetch: the tenant's live definitions, validated first, then written all together or not at all."""

from __future__ import annotations

import shlex
from collections.abc import Callable, Mapping
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any
from urllib.parse import quote, urljoin

from generator.config import api_path_problem
from generator.definitions.canonical import dump_definition
from generator.definitions.format import EntityDef
from generator.definitions.load import from_json
from generator.definitions.validate import ENTITY_CODE, validate_definition
from generator.diagnostics import Diagnostic, InputError, Location
from generator.output.files import write_files
from generator.tenant.api import ApiClient, Limits, check_base_url, check_token

EXIT_DIFFERENT = 1
# A listing longer than this is more likely a server bug than a tenant.
MAX_PAGES = 1000

Echo = Callable[[str], None]
ShowPath = Callable[[Path], str]


@dataclass(frozen=True)
class FetchRequest:
    """What the user asked for, with configuration and flags already merged."""

    codes: tuple[str, ...]
    all: bool
    base_url: str | None
    definitions: Path
    token_env: str
    definition_path: str
    list_path: str
    check: bool = False
    quiet: bool = False
    # The options the user typed that a hint must repeat (--base-url, --definitions), as typed.
    options: tuple[str, ...] = ()

    def command(self, *arguments: str) -> str:
        """The fetch command with these arguments and the user's options, as a shell would take it."""
        return shlex.join(["dfgen", "fetch", *arguments, *self.options])


def run(
    request: FetchRequest,
    environ: Mapping[str, str],
    show: ShowPath,
    out: Echo,
    err: Echo,
    limits: Limits | None = None,
    max_pages: int = MAX_PAGES,
    **client_options: Any,
) -> int:
    """Fetch, validate, then write or compare; the exit code, or InputError (nothing written)."""
    codes = _check_request(request, show)
    base_url = check_base_url(request.base_url or "", Location("base-url"))
    token = check_token(environ.get(request.token_env), request.token_env)
    progress = (lambda line: None) if request.quiet else err
    with ApiClient(base_url, token, request.token_env, limits or Limits(), **client_options) as client:
        try:
            if request.all:
                entities = fetch_listing(client, request.list_path, max_pages, progress)
            else:
                entities = fetch_codes(client, request.definition_path, codes, progress)
        except InputError as error:
            # A server could echo the token into a definition; no message may repeat it.
            raise InputError([_redacted(d, client.redact) for d in error.diagnostics]) from None
    files = {f"{entity.code.lower()}.yaml": dump_definition(entity) for entity in entities}
    folder = request.definitions
    strays = _strays(folder, files) if request.all else []
    if request.check:
        # The options are as typed; a base URL could hold the token, and no output may.
        update = client.redact(request.command("--all") if request.all else request.command(*codes))
        return _report_check(folder, files, strays, show, out, (lambda line: None) if request.quiet else err, update)
    _write(folder, files, strays, show, out, err, request.quiet)
    return 0


def _redacted(diagnostic: Diagnostic, redact: Callable[[str], str]) -> Diagnostic:
    location = replace(
        diagnostic.location, source=redact(diagnostic.location.source), path=redact(diagnostic.location.path)
    )
    field = redact(diagnostic.field) if diagnostic.field is not None else None
    return Diagnostic(location, redact(diagnostic.message), field)


def _check_request(request: FetchRequest, show: ShowPath) -> list[str]:
    if request.all and request.codes:
        raise InputError.at(Location("fetch"), "name entity codes or pass --all, not both")
    if not request.all and not request.codes:
        raise InputError.at(
            Location("fetch"),
            f"name the entity codes to fetch, as in `{request.command('CDR')}`,"
            f" or fetch every entity with `{request.command('--all')}`",
        )
    for code in request.codes:
        if not ENTITY_CODE.match(code):
            hint = f"; did you mean {code.upper()!r}?" if ENTITY_CODE.match(code.upper()) else ""
            raise InputError.at(Location(code), f"not an entity code (expected [A-Z][A-Z0-9_]*, such as CDR){hint}")
    problem = api_path_problem(request.definition_path, request.list_path)
    if problem is not None:
        raise InputError.at(Location(problem[0]), problem[1])
    if request.definitions.exists() and not request.definitions.is_dir():
        raise InputError.at(Location(show(request.definitions)), "fetch writes into a folder; this is a file")
    return list(dict.fromkeys(request.codes))


def to_entity(value: Any, url: str, path: str = "$") -> EntityDef:
    """Validate one definition from the API: envelope keys at the top are dropped, all else is strict."""
    return validate_definition(from_json(value, url, path), url, allow_envelope=True)


def fetch_codes(client: ApiClient, template: str, codes: list[str], progress: Echo) -> list[EntityDef]:
    """The named definitions, each checked to be the one asked for; all problems reported together."""
    entities: list[EntityDef] = []
    diagnostics: list[Diagnostic] = []
    for number, code in enumerate(codes, 1):
        if len(codes) > 1:
            progress(f"fetching {code} ({number}/{len(codes)})")
        url = client.base_url + template.replace("{code}", quote(code, safe=""))
        not_found = f"unknown entity code {code!r}, or a wrong definition-path ({template!r} in [tool.dfgen])"
        value = client.get_json(url, not_found)
        try:
            entity = to_entity(value, url)
        except InputError as error:
            diagnostics.extend(error.diagnostics)
            continue
        if entity.code != code:
            diagnostics.append(
                Diagnostic(Location(url, path="$.code"), f"asked for {code}, got the definition of {entity.code}")
            )
        entities.append(entity)
    if diagnostics:
        raise InputError(diagnostics)
    return entities


def fetch_listing(client: ApiClient, list_path: str, max_pages: int, progress: Echo) -> list[EntityDef]:
    """Every definition of the tenant, following `next` pages; loops and endless listings are refused."""
    url: str | None = client.base_url + list_path
    seen: set[str] = set()
    first_at: dict[str, Location] = {}
    entities: list[EntityDef] = []
    diagnostics: list[Diagnostic] = []
    not_found = f"a wrong list-path ({list_path!r} in [tool.dfgen])"
    while url is not None:
        if url in seen:
            client.fail(url, "the listing's next page was already fetched (the pages loop); stopped")
        if len(seen) >= max_pages:
            client.fail(url, f"the listing has more than {max_pages} pages; stopped")
        seen.add(url)
        progress(f"fetching the definition list (page {len(seen)})")
        page = client.get_json(url, not_found)
        items, following = _page_parts(client, url, page)
        for index, item in enumerate(items):
            try:
                entity = to_entity(item, url, f"$.items[{index}]")
            except InputError as error:
                diagnostics.extend(error.diagnostics)
                continue
            if entity.code in first_at:
                where = Location(url, path=f"$.items[{index}].code")
                diagnostics.append(
                    Diagnostic(where, f"{entity.code} is listed twice (first at {first_at[entity.code]})")
                )
                continue
            first_at[entity.code] = Location(url, path=f"$.items[{index}]")
            entities.append(entity)
        url = None if following is None else urljoin(url, following)
    if diagnostics:
        raise InputError(diagnostics)
    return entities


def _page_parts(client: ApiClient, url: str, page: Any) -> tuple[list[Any], str | None]:
    if not isinstance(page, dict):
        client.fail(url, "$: expected an object with 'items' and 'next'")
    items, following = page.get("items"), page.get("next")
    if not isinstance(items, list):
        client.fail(url, "$.items: expected a list of definitions")
    if following is not None and not (isinstance(following, str) and following.strip()):
        client.fail(url, "$.next: expected the URL of the next page, or null")
    return items, following


def _strays(folder: Path, files: dict[str, str]) -> list[Path]:
    """Definition files in the folder that no fetched entity would write: gone from the tenant."""
    if not folder.is_dir():
        return []
    return sorted(
        p
        for p in folder.iterdir()
        if p.suffix in (".yaml", ".yml") and p.is_file() and f"{p.stem.lower()}.yaml" not in files
    )


def _status(target: Path, text: str) -> str | None:
    if not target.is_file():
        return "added"
    return None if target.read_bytes() == text.encode("utf-8") else "changed"


def _report_check(
    folder: Path, files: dict[str, str], strays: list[Path], show: ShowPath, out: Echo, err: Echo, update: str
) -> int:
    different = 0
    for name, text in sorted(files.items()):
        status = _status(folder / name, text)
        if status is not None:
            different += 1
            label = "new on the tenant" if status == "added" else "changed on the tenant"
            out(f"{label}: {Path(name).stem.upper()} ({show(folder / name)})")
    for stray in strays:
        different += 1
        out(f"not on the tenant: {show(stray)}")
    if different:
        err(f"dfgen: {show(folder)} differs from the tenant; run `{update}` to update it")
        return EXIT_DIFFERENT
    err(f"dfgen: {show(folder)} matches the tenant ({len(files)} fetched)")
    return 0


def _write(
    folder: Path, files: dict[str, str], strays: list[Path], show: ShowPath, out: Echo, err: Echo, quiet: bool
) -> None:
    for name in files:
        if (folder / name).exists() and not (folder / name).is_file():
            raise InputError.at(Location(show(folder / name)), "cannot write the definition: this is not a file")
    statuses = {name: _status(folder / name, text) for name, text in sorted(files.items())}
    changed = {name: files[name] for name, status in statuses.items() if status is not None}
    try:
        write_files(folder, changed)
    except OSError as error:
        raise InputError.at(Location(show(folder)), f"cannot write definitions: {error.strerror or error}") from None
    if quiet:
        return
    for name, status in statuses.items():
        if status is not None:
            out(f"{status}: {show(folder / name)}")
    for stray in strays:
        err(f"note: {show(stray)} is not on the tenant; left as it is")
    counts = [sum(1 for s in statuses.values() if s == kind) for kind in ("added", "changed", None)]
    out(f"dfgen: {show(folder)}: {len(files)} fetched, {counts[0]} added, {counts[1]} changed, {counts[2]} unchanged")
