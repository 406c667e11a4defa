"""What importing one entity's classes costs in a package of many entities, against a package of it alone.

    python bench/imports.py [--entities 300] [--repeat 5]

Generates two model packages in one run: CDR alone, and CDR among `--entities` entities (copies
of CDR under other codes). Each measurement is a fresh `python` process that imports CDR's
classes (through the package, or through the module) and builds a record: its wall time, the
import's own time inside it, and its peak memory. Runs alternate; medians are printed, with the
ratio of the big package to the single one (the target is at most 1.5).
"""

from __future__ import annotations

import argparse
import os
import re
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent

RECORD = '{"id": "1", "callType": "1", "mos": 4.5}'
# The program a user writes: import one entity's classes, read a record.
PROGRAMS = {
    "through the package": "from models import CDR, CDRCreate, CDRList, CDRUpdate",
    "through the module": "from models.cdr import CDR, CDRCreate, CDRList, CDRUpdate",
}
TIMED = """
import resource, sys, time
sys.path.insert(0, {out!r})
start = time.perf_counter()
{statement}
elapsed = time.perf_counter() - start
CDR.model_validate_json({record!r})
print(elapsed, resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024)
"""


def build(folder: Path, count: int) -> Path:
    """A models package of CDR and `count - 1` copies of it under other codes; its output folder."""
    text = (ROOT / "definitions" / "cdr.yaml").read_text(encoding="utf-8")
    definitions = folder / "definitions"
    definitions.mkdir(parents=True)
    (definitions / "cdr.yaml").write_text(text, encoding="utf-8")
    for i in range(1, count):
        code = f"E{i:03d}"
        copy = re.sub(r"^code: CDR$", f"code: {code}", text, count=1, flags=re.MULTILINE)
        (definitions / f"{code.lower()}.yaml").write_text(copy, encoding="utf-8")
    (folder / "pyproject.toml").write_text('[tool.dfgen]\ntargets = ["models"]\n', encoding="utf-8")
    # A process of its own: a child forked from a process that grew would report its peak memory.
    command = [sys.executable, "-m", "generator", "generate", "--no-cache", "--out", "out"]
    subprocess.run(command, cwd=folder, check=True, capture_output=True, env={**os.environ, "PYTHONPATH": str(ROOT)})
    return folder / "out"


def measure(out: Path, statement: str) -> tuple[float, float, float]:
    """(process seconds, import seconds, peak MiB) of one fresh interpreter running the program."""
    program = TIMED.format(out=str(out), statement=statement, record=RECORD)
    start = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", program], capture_output=True, text=True, check=True, cwd=out)
    seconds = time.perf_counter() - start
    elapsed, peak = result.stdout.split()
    return seconds, float(elapsed), float(peak)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entities", type=int, default=300)
    parser.add_argument("--repeat", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as scratch:
        packages = {"alone": build(Path(scratch) / "alone", 1), "big": build(Path(scratch) / "big", args.entities)}
        for name, statement in PROGRAMS.items():
            runs: dict[str, list[tuple[float, float, float]]] = {key: [] for key in packages}
            for out in packages.values():
                measure(out, statement)  # compiles the modules it imports: every later run reads .pyc
            for _ in range(args.repeat):
                for key, out in packages.items():
                    runs[key].append(measure(out, statement))
            medians = {
                key: [statistics.median(run[i] for run in values) for i in range(3)] for key, values in runs.items()
            }
            alone, big = medians["alone"], medians["big"]
            print(f"CDR's classes {name} (medians of {args.repeat}):")
            print(f"  {'':<28}{'process s':>10}{'import s':>10}{'peak MiB':>10}")
            print(f"  {'CDR alone':<28}{alone[0]:>10.3f}{alone[1]:>10.3f}{alone[2]:>10.1f}")
            print(f"  {f'CDR among {args.entities}':<28}{big[0]:>10.3f}{big[1]:>10.3f}{big[2]:>10.1f}")
            ratios = [b / a for a, b in zip(alone, big, strict=True)]
            print(f"  {'ratio':<28}{ratios[0]:>10.2f}{ratios[1]:>10.2f}{ratios[2]:>10.2f}")


if __name__ == "__main__":
    main()
