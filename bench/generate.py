"""Benchmark dfgen at tenant scale against datamodel-code-generator, side by side in one run.

    python bench/generate.py [--entities 300] [--repeat 3]

Needs the `bench` extra (datamodel-code-generator, isort). Prints times, peak memory and ratios.
"""

from __future__ import annotations

import argparse
import json
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
TARGETS = ("models",)


def build_tenant(folder: Path, count: int) -> None:
    """`count` copies of the CDR definition, each its own entity."""
    text = (ROOT / "definitions" / "cdr.yaml").read_text(encoding="utf-8")
    (folder / "definitions").mkdir(parents=True)
    for i in range(count):
        code = f"E{i:03d}"
        copy = re.sub(r"^code: CDR$", f"code: {code}", text, count=1, flags=re.M)
        copy = copy.replace("displayName: CDR", f"displayName: Entity {i}", 1)
        (folder / "definitions" / f"{code.lower()}.yaml").write_text(copy, encoding="utf-8")
    (folder / "pyproject.toml").write_text(
        f'[tool.dfgen]\ndefinitions = "definitions"\nout = "generated"\ntargets = {json.dumps(list(TARGETS))}\n'
    )


def build_json_schemas(folder: Path, count: int) -> None:
    """The same tenant as JSON Schema files (one per entity: record, create, update, enums) for the peer."""
    sys.path.insert(0, str(ROOT))
    from pydantic.json_schema import models_json_schema

    from tests.conftest import import_generated, write_tree
    from generator.pipeline import generate

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
        renamed = re.sub(r'"(CDR)(Create|Update)?"', lambda m: f'"{code}{m.group(2) or ""}"', text)
        renamed = renamed.replace("#/$defs/CDR", f"#/$defs/{code}")
        (folder / "schemas" / f"{code.lower()}.json").write_text(renamed, encoding="utf-8")


def measure(command: list[str], cwd: Path) -> dict:
    result = subprocess.run([sys.executable, str(MEASURE), *command], cwd=cwd, capture_output=True, text=True, check=True)
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
    args = parser.parse_args()
    dfgen = [sys.executable, "-m", "generator"]
    dcg = shutil.which("datamodel-codegen") or sys.exit("install the bench extra: pip install -e '.[bench]'")
    with tempfile.TemporaryDirectory() as scratch:
        work = Path(scratch)
        build_tenant(work, args.entities)
        build_json_schemas(work, args.entities)

        def full() -> dict:
            shutil.rmtree(work / "generated", ignore_errors=True)
            shutil.rmtree(work / ".dfgen-cache", ignore_errors=True)
            return measure([*dfgen, "generate"], work)

        def peer() -> dict:
            shutil.rmtree(work / "peer", ignore_errors=True)
            return measure(
                [dcg, "--input", "schemas", "--input-file-type", "jsonschema", "--output", "peer",
                 "--output-model-type", "pydantic_v2.BaseModel", "--formatters", "black", "isort"],
                work,
            )

        results = {"peer (datamodel-code-generator, models only)": best_of(args.repeat, peer)}
        results["dfgen generate, full (models, openapi, docs)"] = best_of(args.repeat, full)
        results["dfgen generate, no change"] = best_of(args.repeat, lambda: measure([*dfgen, "generate"], work))
        results["dfgen check"] = best_of(args.repeat, lambda: measure([*dfgen, "check"], work))

        def one_changed() -> dict:
            target = work / "definitions" / "e007.yaml"
            text = target.read_text(encoding="utf-8")
            flip = "Entity 7 (edited)" if "Entity 7 (edited)" not in text else "Entity 7"
            target.write_text(re.sub(r"^displayName: .*$", f"displayName: {flip}", text, flags=re.M), encoding="utf-8")
            return measure([*dfgen, "generate"], work)

        results["dfgen generate, one entity changed"] = best_of(args.repeat, one_changed)
        results["dfgen generate, CDR alone (whole process)"] = best_of(
            args.repeat, lambda: measure([*dfgen, "generate", "--out", str(work / "one")], ROOT)
        )
        results["dfgen --help"] = best_of(args.repeat, lambda: measure([*dfgen, "--help"], ROOT))

    peer_result = results["peer (datamodel-code-generator, models only)"]
    full_result = results["dfgen generate, full (models, openapi, docs)"]
    print(f"{args.entities} entities, median of {args.repeat} runs\n")
    print(f"{'run':<48} {'seconds':>9} {'peak MiB':>9}")
    for name, r in results.items():
        print(f"{name:<48} {r['seconds']:>9.3f} {r['peak_mib']:>9.1f}")
    print()
    print(f"peer time / dfgen full time:        {peer_result['seconds'] / full_result['seconds']:6.1f}x  (target >= 5)")
    print(f"dfgen full peak / peer peak memory: {full_result['peak_mib'] / peer_result['peak_mib']:6.2f}   (target <= 0.25)")
    for name in ("dfgen generate, no change", "dfgen check", "dfgen generate, one entity changed"):
        print(f"{name + ' / full:':<36} {results[name]['seconds'] / full_result['seconds']:6.3f}   (target < 0.1)")
    print(f"CDR alone, seconds:                 {results['dfgen generate, CDR alone (whole process)']['seconds']:6.3f}   (target < 0.25)")


if __name__ == "__main__":
    main()
