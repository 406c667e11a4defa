"""Benchmark dfgen at tenant scale against datamodel-code-generator, side by side in one run.

    python bench/generate.py [--entities 300] [--repeat 3] [--no-peer]

Needs the `bench` extra (datamodel-code-generator, isort). Prints times, peak memory and ratios.
Every dfgen run is a whole `python -m generator` process, as a user or CI runs it.
"""

from __future__ import annotations

import argparse
import itertools
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
MEASURE = Path(__file__).resolve().parent / "_measure.py"
# The targets the project's own configuration generates.
TARGETS = ("models", "openapi", "docs")

PEER = "peer (datamodel-code-generator, models only)"
FULL = "dfgen generate, full (cold: no cache, no output)"
NO_CHANGE = "dfgen generate, no change"
CHECK = "dfgen check"
ONE_CHANGED = "dfgen generate, one entity changed"
CHANGED_BACK = "dfgen generate, one entity changed back"
NO_CACHE = "dfgen check --no-cache"
CDR_COLD = "dfgen generate, CDR alone, cold (whole process)"
CDR_WARM = "dfgen generate, CDR alone, warm (whole process)"
HELP = "dfgen --help"


def build_tenant(folder: Path, count: int) -> None:
    """`count` copies of the CDR definition, each its own entity."""
    text = (ROOT / "definitions" / "cdr.yaml").read_text(encoding="utf-8")
    (folder / "definitions").mkdir(parents=True)
    for i in range(count):
        code = f"E{i:03d}"
        copy = re.sub(r"^code: CDR$", f"code: {code}", text, count=1, flags=re.MULTILINE)
        copy = copy.replace("displayName: CDR", f"displayName: Entity {i}", 1)
        (folder / "definitions" / f"{code.lower()}.yaml").write_text(copy, encoding="utf-8")
    (folder / "pyproject.toml").write_text(
        f'[tool.dfgen]\ndefinitions = "definitions"\nout = "generated"\ntargets = {json.dumps(list(TARGETS))}\n'
    )


def build_json_schemas(folder: Path, count: int) -> None:
    """The same tenant as JSON Schema files (one per entity: record, create, update, enums) for the peer."""
    sys.path.insert(0, str(ROOT))
    from pydantic.json_schema import models_json_schema

    from tests.helpers import generate, import_generated, write_tree

    out = folder / "cdr-models"
    write_tree(out, generate(ROOT / "definitions", lambda p: p.name, {}, ("models",)))
    models = import_generated(out)
    _, schema = models_json_schema(
        [(cls, "validation") for cls in (models.CDR, models.CDRCreate, models.CDRUpdate)], by_alias=True
    )
    text = json.dumps(schema)
    (folder / "schemas").mkdir()
    for i in range(count):
        code = f"E{i:03d}"
        renamed = re.sub(r'"(CDR)(Create|Update)?"', lambda m, code=code: f'"{code}{m.group(2) or ""}"', text)
        renamed = renamed.replace("#/$defs/CDR", f"#/$defs/{code}")
        (folder / "schemas" / f"{code.lower()}.json").write_text(renamed, encoding="utf-8")


def settle() -> None:
    """Flush what the setup deleted or wrote: on a disk mounted with `discard`, freeing 100 MB
    costs the next process's file creations about 1 ms each until the journal commits."""
    os.sync()


def measure(command: list[str], cwd: Path) -> dict:
    settle()
    result = subprocess.run(
        [sys.executable, str(MEASURE), *command], cwd=cwd, capture_output=True, text=True, check=True
    )
    data = json.loads(result.stdout)
    if data["returncode"] != 0:
        raise SystemExit(f"{' '.join(command)} failed:\n{data['stderr']}")
    return data


def best_of(repeat: int, run) -> dict:  # type: ignore[no-untyped-def]
    runs = [run() for _ in range(repeat)]
    return {"seconds": statistics.median(r["seconds"] for r in runs), "peak_mib": max(r["peak_mib"] for r in runs)}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--entities", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--no-peer", action="store_true", help="Skip datamodel-code-generator (minutes at 300).")
    args = parser.parse_args()
    dfgen = [sys.executable, "-m", "generator"]
    # The script beside this interpreter (a venv not on PATH), else the one on PATH.
    dcg = shutil.which("datamodel-codegen", path=str(Path(sys.executable).parent)) or shutil.which("datamodel-codegen")
    if dcg is None and not args.no_peer:
        sys.exit("install the bench extra: pip install -e '.[bench]'")
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        build_tenant(work, args.entities)
        if not args.no_peer:
            build_json_schemas(work, args.entities)

        def full() -> dict:
            shutil.rmtree(work / "generated", ignore_errors=True)
            shutil.rmtree(work / ".dfgen-cache", ignore_errors=True)
            return measure([*dfgen, "generate"], work)

        def peer() -> dict:
            shutil.rmtree(work / "peer", ignore_errors=True)
            return measure(
                [
                    dcg,
                    "--input",
                    "schemas",
                    "--input-file-type",
                    "jsonschema",
                    "--output",
                    "peer",
                    "--output-model-type",
                    "pydantic_v2.BaseModel",
                    "--formatters",
                    "black",
                    "isort",
                ],
                work,
            )

        results = {}
        if not args.no_peer:
            results[PEER] = best_of(args.repeat, peer)
        results[FULL] = best_of(args.repeat, full)
        results[NO_CHANGE] = best_of(args.repeat, lambda: measure([*dfgen, "generate"], work))
        results[CHECK] = best_of(args.repeat, lambda: measure([*dfgen, "check"], work))

        def rename(name: str) -> None:
            # The display name shows in the entity's page, its OpenAPI fragment, the bundle and the index.
            target = work / "definitions" / "e007.yaml"
            text = target.read_text(encoding="utf-8")
            target.write_text(
                re.sub(r"^displayName: .*$", f"displayName: {name}", text, flags=re.MULTILINE), encoding="utf-8"
            )

        edits = itertools.count(1)

        def one_changed() -> dict:
            # A name never used before: nothing of the new content is in the cache.
            rename(f"Entity 7 (edit {next(edits)})")
            return measure([*dfgen, "generate"], work)

        def changed_back() -> dict:
            # Between two names seen before (a change undone, a branch switched back).
            original = "displayName: Entity 7\n" in (work / "definitions" / "e007.yaml").read_text(encoding="utf-8")
            rename("Entity 7 (edit 1)" if original else "Entity 7")
            return measure([*dfgen, "generate"], work)

        results[ONE_CHANGED] = best_of(args.repeat, one_changed)
        results[CHANGED_BACK] = best_of(args.repeat, changed_back)
        results[NO_CACHE] = best_of(args.repeat, lambda: measure([*dfgen, "check", "--no-cache"], work))

        def cdr_alone(cold: bool) -> dict:
            # The repository's own project (definitions/cdr.yaml) in a fresh copy: its cache is ours.
            project = work / "cdr"
            if cold:
                shutil.rmtree(project, ignore_errors=True)
            if not project.exists():
                (project / "definitions").mkdir(parents=True)
                shutil.copy(ROOT / "definitions" / "cdr.yaml", project / "definitions")
                (project / "pyproject.toml").write_text(
                    '[tool.dfgen]\ndefinitions = "definitions"\nout = "generated"\n'
                )
            return measure([*dfgen, "generate"], project)

        results[CDR_COLD] = best_of(args.repeat, lambda: cdr_alone(cold=True))
        cdr_alone(cold=False)
        results[CDR_WARM] = best_of(args.repeat, lambda: cdr_alone(cold=False))
        results[HELP] = best_of(args.repeat, lambda: measure([*dfgen, "--help"], ROOT))

    print(f"{args.entities} entities, median of {args.repeat} runs (peak: the largest of them)\n")
    print(f"{'run':<52} {'seconds':>9} {'peak MiB':>9}")
    for name, r in results.items():
        print(f"{name:<52} {r['seconds']:>9.3f} {r['peak_mib']:>9.1f}")
    print()
    full_result = results[FULL]
    if PEER in results:
        peer_result = results[PEER]
        print(
            f"peer time / dfgen full time:          {peer_result['seconds'] / full_result['seconds']:7.1f}x  (target >= 5)"
        )
        print(
            f"dfgen full peak / peer peak memory:   {full_result['peak_mib'] / peer_result['peak_mib']:7.2f}   (target <= 0.25)"
        )
    for name in (NO_CHANGE, CHECK, ONE_CHANGED, CHANGED_BACK):
        print(f"{name + ' / full:':<38} {results[name]['seconds'] / full_result['seconds']:6.3f}   (target < 0.1)")
    print(
        f"CDR alone, cold / warm, seconds:       {results[CDR_COLD]['seconds']:.3f} / {results[CDR_WARM]['seconds']:.3f}   (target < 0.25)"
    )


if __name__ == "__main__":
    main()
