"""Generated Python is black's output even where generation skips black (format_python)."""

from __future__ import annotations

from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import generator.targets.engine
import generator.targets.python
from generator.definitions.canonical import dump_yaml
from generator.definitions.load import parse_yaml
from generator.definitions.validate import validate_definition
from generator.model.build import build_project
from generator.pipeline import render_targets
from generator.targets.python import LINE_LENGTH, _black_leaves, format_python, format_with_black
from tests.helpers import CDR_DEFINITION, DEFINITIONS, generate

# Quotes, backslashes, wide and combining characters, long runs: what decides black's layout.
TEXT = st.text(
    alphabet=st.sampled_from(list("aZ09 _-.'\"\\\n\t|#{}é日本語́\u2028\x00")) | st.characters(codec="utf-8"),
    min_size=1,
    max_size=150,
).filter(lambda s: s.strip() != "")
# Long codes and labels make long attribute, class and member names: lines black must wrap.
CODE = st.from_regex(r"[a-zA-Z][a-zA-Z0-9_]{0,90}", fullmatch=True)
LABEL = st.from_regex(r"[A-Za-z][A-Za-z0-9 .-]{0,120}", fullmatch=True) | TEXT


# A bounded number's annotation holds its bounds: long ones make long lines too.
BOUND = st.none() | st.integers(-(10**30), 10**30) | st.floats(allow_nan=False, allow_infinity=False)


def definition(fields: list[tuple[str, str, str, list[str], tuple[float | None, float | None]]]) -> dict:
    entries = []
    for i, (code, label, notes, options, (low, high)) in enumerate(fields):
        entry = {"code": f"{code}{i}", "type": "enum" if options else "text", "label": label, "notes": notes}
        if options:
            entry["options"] = [{"id": n + 1, "label": text} for n, text in enumerate(options)]
        elif low is not None or high is not None:
            low, high = sorted((low, high)) if low is not None and high is not None else (low, high)
            entry.update(type="number", min=low, max=high)
        entries.append(entry)
    return {
        "code": "E",
        "displayName": "E",
        "level": 1,
        "panels": [{"name": "P", "sections": [{"name": "S", "fields": entries}]}],
    }


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    st.lists(st.tuples(CODE, LABEL, TEXT, st.lists(LABEL, max_size=3), st.tuples(BOUND, BOUND)), min_size=1, max_size=4)
)
def test_skipping_black_gives_what_black_gives(
    fields: list[tuple[str, str, str, list[str], tuple[float | None, float | None]]],
) -> None:
    text = dump_yaml(definition(fields))
    entity = validate_definition(parse_yaml(text, "e.yaml"), "e.yaml")
    unformatted = generator.targets.engine.format_python
    generator.targets.engine.format_python = lambda source: source
    try:
        files = render_targets(build_project([entity], {}), ("models",), (), "definitions")
    finally:
        generator.targets.engine.format_python = unformatted
    for path, source in files.items():
        assert format_python(source) == format_with_black(source), path


def test_black_never_runs_on_the_cdr_models() -> None:
    """Every line the built-in templates write for CDR is one black leaves alone: no black run."""
    files = generate(DEFINITIONS, lambda p: p.name, {}, ("models",))
    for path, source in files.items():
        assert [line for line in source.splitlines() if not _black_leaves(line)] == [], path


def test_a_long_header_never_makes_black_run(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """A definitions folder deep in a tree makes the header long; black leaves comments alone."""
    folder = tmp_path / ("deep-" * 30) / "définitions 日本"
    folder.mkdir(parents=True)
    (folder / "cdr.yaml").write_bytes((CDR_DEFINITION).read_bytes())
    calls: list[str] = []
    monkeypatch.setattr(generator.targets.python, "format_with_black", calls.append)
    files = generate(folder, lambda p: str(p), {}, ("models",))
    assert calls == []
    for path, source in files.items():
        assert len(source.splitlines()[0]) > 2 * LINE_LENGTH, path
        monkeypatch.undo()
        assert format_with_black(source) == source, path
