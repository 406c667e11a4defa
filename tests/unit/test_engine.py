"""generator/targets/engine.py: target.toml read and checked, templates rendered into {path: contents}."""

from __future__ import annotations

from pathlib import Path

import pytest
import yaml

from generator.definitions.load import parse_yaml
from generator.definitions.validate import validate_definition
from generator.diagnostics import InputError
from generator.model.build import build_project
from generator.model.entities import Project
from generator.targets.engine import (
    MANIFEST,
    OutputFile,
    available_targets,
    find_target,
    render_target,
    template_origin,
)
from generator.targets.environment import builtin_templates, environment
from generator.targets.python import pyrepr


def project_of(*codes: str, description: str = "plain") -> Project:
    definitions = []
    for code in codes:
        data = {"code": code, "displayName": code.title(), "level": 7, "description": description, "panels": []}
        text = yaml.safe_dump(data, sort_keys=False)
        definitions.append(validate_definition(parse_yaml(text, f"{code}.yaml"), f"{code}.yaml"))
    return build_project(definitions, {})


def declare(root: Path, name: str, manifest: str, templates: dict[str, str] | None = None) -> Path:
    folder = root / name
    folder.mkdir(parents=True, exist_ok=True)
    (folder / MANIFEST).write_text(manifest, encoding="utf-8")
    for template, text in (templates or {}).items():
        (folder / template).write_text(text, encoding="utf-8")
    return root


def render(root: Path, name: str, project: Project) -> dict[str, str]:
    return render_target(find_target(name, (root,)), project, environment((root,)), "defs")


def test_the_built_in_targets_are_declared_like_any_other() -> None:
    assert [t.name for t in available_targets(())] == ["client", "docs", "models", "openapi"]
    models = find_target("models", ())
    assert models.folder == builtin_templates() / "models" and models.context == "generator.targets.models"
    assert OutputFile("entity.py.jinja", "entity", "models/{module}.py", "python") in models.files


def test_a_target_renders_per_entity_and_per_project_files(tmp_path: Path) -> None:
    manifest = (
        'description = "tables"\n'
        '[[files]]\ntemplate = "e.jinja"\neach = "entity"\npath = "sql/{module}-{code}.sql"\n'
        '[[files]]\ntemplate = "p.jinja"\neach = "project"\npath = "sql/all.sql"\n'
    )
    templates = {
        "e.jinja": "{{ target }} {{ source }} {{ entity.code }} {{ entity.level }} of {{ project.entities|length }}\n",
        "p.jinja": "{{ target }} {{ source }}{% for e in project.entities %} {{ e.module }}{% endfor %}\n",
    }
    root = declare(tmp_path, "sql", manifest, templates)
    assert find_target("sql", (root,)).description == "tables"
    assert render(root, "sql", project_of("CDR", "CLASS")) == {
        "sql/class_-CLASS.sql": "sql CLASS.yaml CLASS 7 of 2\n",
        "sql/cdr-CDR.sql": "sql CDR.yaml CDR 7 of 2\n",
        # trim_blocks: the line break after a block tag is dropped, as in every built-in template.
        "sql/all.sql": "sql defs cdr class_",
    }


def test_tenant_text_is_data_in_a_template_never_a_template(tmp_path: Path) -> None:
    root = declare(
        tmp_path,
        "raw",
        '[[files]]\ntemplate = "t.jinja"\neach = "entity"\npath = "{code}.txt"\n',
        {"t.jinja": "{{ entity.description }}|{{ entity.description | py }}\n"},
    )
    hostile = "{{ 7*7 }}{% for x in range(3) %}x{% endfor %}"
    assert render(root, "raw", project_of("E", description=hostile)) == {"E.txt": f"{hostile}|{pyrepr(hostile)}\n"}


def _python_target(root: Path, template: str) -> Path:
    manifest = '[[files]]\ntemplate = "m.jinja"\neach = "project"\npath = "m.py"\nformat = "python"\n'
    return declare(root, "py", manifest, {"m.jinja": template})


def test_python_output_with_a_line_black_must_wrap_is_formatted_by_black(tmp_path: Path) -> None:
    long = ", ".join(f"'k{n}': {n}" for n in range(12))
    files = render(_python_target(tmp_path, f"y = {{'a':1}}\nx = {{{long}}}\n"), "py", project_of("E"))
    body = ",\n".join(f'    "k{n}": {n}' for n in range(12))
    assert files == {"m.py": f'y = {{"a": 1}}\nx = {{\n{body},\n}}\n'}


def test_python_output_in_short_lines_is_formatted_by_black_too(tmp_path: Path) -> None:
    files = render(_python_target(tmp_path, "x = {'a':1,\n  'b':[1,2]}\n"), "py", project_of("E"))
    assert files == {"m.py": 'x = {"a": 1, "b": [1, 2]}\n'}


def test_an_override_declaration_and_template_come_before_the_built_in_ones(tmp_path: Path) -> None:
    declare(
        tmp_path,
        "docs",
        '[[files]]\ntemplate = "one.jinja"\neach = "project"\npath = "docs/one.md"\n',
        {"one.jinja": "only this\n"},
    )
    docs = find_target("docs", (tmp_path,))
    assert docs.folder == tmp_path / "docs"
    assert render(tmp_path, "docs", project_of("E")) == {"docs/one.md": "only this\n"}
    models = find_target("models", (tmp_path,))
    (tmp_path / "models").mkdir()
    (tmp_path / "models" / "__init__.py.jinja").write_text("", encoding="utf-8")
    assert template_origin(models, "__init__.py.jinja", (tmp_path,)) == tmp_path / "models" / "__init__.py.jinja"
    assert template_origin(models, "_base.py.jinja", (tmp_path,)) == builtin_templates() / "models" / "_base.py.jinja"


def test_a_fixed_path_is_kept_from_an_entity_that_would_take_it() -> None:
    # An entity called OPENAPI would write its fragment over the bundle: the target's Python moves it.
    files = render_target(find_target("openapi", ()), project_of("OPENAPI"), environment(()), "defs")
    assert set(files) == {"openapi/openapi.entity.yaml", "openapi/openapi.yaml"}


def test_an_unknown_target_names_the_known_ones(tmp_path: Path) -> None:
    declare(tmp_path, "sql", '[[files]]\ntemplate = "t"\neach = "project"\npath = "x"\n')
    with pytest.raises(InputError) as raised:
        find_target("sqll", (tmp_path,))
    assert (
        str(raised.value) == "sqll: unknown target (no sqll/target.toml; targets: client, docs, models, openapi, sql)"
    )


@pytest.mark.parametrize(
    ("manifest", "message"),
    [
        ("files = [\n", "cannot read the target: "),
        ('name = "x"\n', "unknown key 'name' (expected context, description, files)"),
        ('description = "x"\n', "a target needs at least one [[files]] entry"),
        (
            '[[files]]\ntemplate = "t"\npath = "x"\n',
            "each [[files]] needs template, each and path (and may have format)",
        ),
        (
            '[[files]]\ntemplate = "t"\neach = "p"\npath = "x"\nwhere = 1\n',
            "each [[files]] needs template, each and path (and may have format)",
        ),
        (
            '[[files]]\ntemplate = "t"\neach = "field"\npath = "x"\n',
            "[[files]] t: each must be 'entity' or 'project', not 'field'",
        ),
        (
            '[[files]]\ntemplate = "t"\neach = "project"\npath = "x"\nformat = "black"\n',
            "[[files]] t: format must be 'python' or absent, not 'black'",
        ),
        (
            '[[files]]\ntemplate = "t"\neach = "project"\npath = "../x"\n',
            "[[files]] t: path '../x' must stay inside the output folder",
        ),
        (
            '[[files]]\ntemplate = "t"\neach = "project"\npath = "/x"\n',
            "[[files]] t: path '/x' must stay inside the output folder",
        ),
        (
            '[[files]]\ntemplate = "t"\neach = "project"\npath = "a\\\\..\\\\x"\n',
            "[[files]] t: path 'a\\\\..\\\\x' must stay inside the output folder",
        ),
        (
            '[[files]]\ntemplate = "t"\neach = "entity"\npath = "x.sql"\n',
            "[[files]] t: a per-entity path needs {module} or {code}, or every entity would write one file",
        ),
    ],
)
def test_a_broken_manifest_is_bad_input_naming_it(tmp_path: Path, manifest: str, message: str) -> None:
    declare(tmp_path, "bad", manifest)
    with pytest.raises(InputError) as raised:
        find_target("bad", (tmp_path,))
    assert str(raised.value).startswith(f"{tmp_path / 'bad' / MANIFEST}: {message}")


def test_two_outputs_of_one_target_on_one_path_are_refused(tmp_path: Path) -> None:
    manifest = '[[files]]\ntemplate = "a"\neach = "entity"\npath = "{code}.txt"\n'
    manifest += '[[files]]\ntemplate = "b"\neach = "project"\npath = "E.txt"\n'
    root = declare(tmp_path, "twice", manifest, {"a": "a", "b": "b"})
    with pytest.raises(InputError) as raised:
        render(root, "twice", project_of("E"))
    assert str(raised.value) == "twice/b: two outputs of the target are E.txt"
