"""A diff's changes as text for people, JSON for machines, or Markdown for a pull-request comment."""

from __future__ import annotations

import json

from generator.diff.changes import Change
from generator.targets.markdown import md

FORMATS = ("text", "json", "markdown")


def report(changes: list[Change], form: str) -> str:
    """The changes in one of FORMATS, ending with a newline."""
    return {"text": text_report, "json": json_report, "markdown": markdown_report}[form](changes)


def _summary(changes: list[Change]) -> str:
    breaking = sum(c.breaking for c in changes)
    noun = "change" if len(changes) == 1 else "changes"
    return f"{len(changes)} {noun}, {breaking} breaking" if changes else "no changes"


def text_report(changes: list[Change]) -> str:
    """One line per change (tenant text quoted and escaped), then a summary line."""
    lines = []
    for change in changes:
        verdict = f"BREAKING for {', '.join(change.audience)}" if change.breaking else "not breaking"
        lines.append(f"{change.entity}: {verdict}: {change.message}")
    lines.append(f"dfgen: {_summary(changes)}")
    return "\n".join(lines) + "\n"


def json_report(changes: list[Change]) -> str:
    """{"changes": [...], "breaking": bool}; each change with its sorted audience."""
    document = {
        "changes": [
            {
                "entity": c.entity,
                "field": c.field,
                "kind": c.kind,
                "breaking": c.breaking,
                "audience": list(c.audience),
                "message": c.message,
            }
            for c in changes
        ],
        "breaking": any(c.breaking for c in changes),
    }
    return json.dumps(document, indent=2) + "\n"


def markdown_report(changes: list[Change]) -> str:
    """A heading with the verdict and a table of every change, each cell escaped by `md`."""
    breaking = any(c.breaking for c in changes)
    verdict = "**breaking**" if breaking else "not breaking"
    lines = [f"### dfgen diff: {_summary(changes)}", ""]
    if not changes:
        return "\n".join([*lines, "The definitions did not change.", ""])
    lines += [
        f"The definitions changed: {verdict}.",
        "",
        "| Entity | Field | Change | Breaks | Details |",
        "| --- | --- | --- | --- | --- |",
    ]
    for c in changes:
        field = md(c.field) if c.field is not None else ""
        breaks = ", ".join(f"**{a}**" for a in c.audience) or "nobody"
        lines.append(f"| {md(c.entity)} | {field} | {c.kind} | {breaks} | {md(c.message)} |")
    return "\n".join(lines) + "\n"
