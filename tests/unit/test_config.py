"""generator/config.py: [tool.dfgen] read into Config, its defaults, paths relative to the pyproject."""

from __future__ import annotations

from pathlib import Path

import pytest

from generator.config import CACHE, TARGETS, Api, Config, Pins, dfgen_table, find_pyproject, load_config, parse_config
from generator.diagnostics import InputError


def write(folder: Path, text: str) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "pyproject.toml").write_text(text, encoding="utf-8")
    return folder


def error_of(text: str) -> str:
    with pytest.raises(InputError) as raised:
        parse_config(dfgen_table(text, "pyproject.toml"), Path("/p"), "pyproject.toml")
    return str(raised.value)


def test_without_a_pyproject_everything_is_the_default_beside_the_start(tmp_path: Path) -> None:
    config = load_config(tmp_path)
    assert config == Config(
        root=tmp_path.resolve(),
        definitions=tmp_path.resolve() / "definitions",
        out=tmp_path.resolve() / "generated",
        cache=tmp_path.resolve() / CACHE,
    )
    assert config.targets == TARGETS == ("models", "openapi", "docs")
    assert (config.token_env, config.base_url, config.templates, config.template_dirs) == (
        "DEMANDFLOW_TOKEN",
        None,
        None,
        (),
    )
    assert config.api == Api() and config.api.definition_of("CDR") == "/v1/objects/DEFINITION/CDR"
    assert config.list_path == "/v1/entities/DEFINITION/SUB"


def test_the_nearest_pyproject_above_sets_the_root_and_paths_are_relative_to_it(tmp_path: Path) -> None:
    write(tmp_path, '[tool.dfgen]\ndefinitions = "outer"\n')
    project = write(
        tmp_path / "repo",
        '[tool.dfgen]\ndefinitions = "schema/defs"\nout = "src/app/df"\ntemplates = "tpl"\ncache = "../c"\n',
    )
    (project / "tpl").mkdir()
    deep = project / "src" / "app"
    deep.mkdir(parents=True)
    assert find_pyproject(deep) == project / "pyproject.toml"
    config = load_config(deep)
    assert config.root == project.resolve()
    assert config.definitions == project.resolve() / "schema" / "defs"
    assert config.out == project.resolve() / "src" / "app" / "df"
    assert config.template_dirs == (project.resolve() / "tpl",)
    # Not resolved: a cache may sit beside the project, and the path says so as written.
    assert config.cache == project.resolve() / "../c"


def test_a_pyproject_without_the_table_gives_the_defaults(tmp_path: Path) -> None:
    write(tmp_path, '[project]\nname = "x"\n')
    assert load_config(tmp_path) == parse_config({}, tmp_path.resolve(), "pyproject.toml")
    assert load_config(tmp_path).cache == tmp_path.resolve() / CACHE


def test_every_key_is_read(tmp_path: Path) -> None:
    table = dfgen_table(
        '[tool.dfgen]\ntargets = ["docs", "models", "docs", "sql"]\nbase-url = "https://t.example/api"\n'
        'token-env = "DF_TOKEN"\ndefinition-path = "/d/{code}"\nlist-path = "/l"\ncache = false\n',
        "pyproject.toml",
    )
    config = parse_config(table, tmp_path, "pyproject.toml")
    # A target named twice runs once, in the order first given.
    assert config.targets == ("docs", "models", "sql")
    assert (config.base_url, config.token_env, config.cache) == ("https://t.example/api", "DF_TOKEN", None)
    assert config.api.definition_of("CDR") == "/d/CDR" and config.list_path == "/l"


def test_pins_are_read_with_option_ids_as_integers() -> None:
    table = dfgen_table(
        '[tool.dfgen.pins.CDR.fields]\ncallType = "kind"\n[tool.dfgen.pins.CDR.enums]\ncodec = "Codec"\n'
        '[tool.dfgen.pins.CDR.options.codec]\n"1" = "G_711"\n"-2" = "NONE"\n',
        "pyproject.toml",
    )
    pins = parse_config(table, Path("/p"), "pyproject.toml").pins
    assert pins == {
        "CDR": Pins(fields={"callType": "kind"}, enums={"codec": "Codec"}, options={"codec": {1: "G_711", -2: "NONE"}})
    }


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            '[tool.dfgen]\ndefinition = "d"\n',
            "pyproject.toml: [tool.dfgen]: unknown key 'definition' (did you mean 'definitions'?)",
        ),
        ("[tool.dfgen]\nzzz = 1\n", "pyproject.toml: [tool.dfgen]: unknown key 'zzz'"),
        ("[tool.dfgen]\nout = 3\n", "pyproject.toml: [tool.dfgen] out: expected a string"),
        (
            '[tool.dfgen]\ntargets = "models"\n',
            "pyproject.toml: [tool.dfgen] targets: expected a list of target names, such as models",
        ),
        (
            '[tool.dfgen]\ntargets = ["my-target"]\n',
            "pyproject.toml: [tool.dfgen] targets: expected a list of target names, such as models",
        ),
        (
            "[tool.dfgen]\ncache = true\n",
            "pyproject.toml: [tool.dfgen] cache: expected a folder, or false for no cache",
        ),
        ('[tool.dfgen]\ncache = ""\n', "pyproject.toml: [tool.dfgen] cache: expected a folder, or false for no cache"),
        (
            '[tool.dfgen]\ndefinition-path = "/v1/objects/DEFINITION"\n',
            "pyproject.toml: [tool.dfgen] definition-path: expected a path with {code}, such as /v1/objects/DEFINITION/{code}",
        ),
        (
            '[tool.dfgen]\nlist-path = "v1/list"\n',
            "pyproject.toml: [tool.dfgen] list-path: expected a path, such as /v1/entities/DEFINITION/SUB",
        ),
        ("[tool.dfgen]\npins = 1\n", "pyproject.toml: [tool.dfgen.pins]: expected a table of entities"),
        (
            "[tool.dfgen.pins.CDR]\nfield = {}\n",
            "pyproject.toml: [tool.dfgen.pins.CDR]: unknown key 'field' (did you mean 'fields'?)",
        ),
        (
            "[tool.dfgen.pins.CDR.fields]\na = 1\n",
            'pyproject.toml: [tool.dfgen.pins.CDR].fields: expected field code = "python_name"',
        ),
        (
            '[tool.dfgen.pins.CDR.options.codec]\none = "ONE"\n',
            'pyproject.toml: [tool.dfgen.pins.CDR].options.codec: expected "<option id>" = "MEMBER_NAME"',
        ),
        ("[tool]\ndfgen = 1\n", "pyproject.toml: [tool.dfgen]: expected a table"),
    ],
)
def test_a_bad_key_or_value_is_named_with_what_is_expected(text: str, message: str) -> None:
    assert error_of(text) == message


def test_toml_that_does_not_parse_is_bad_input_naming_the_file(tmp_path: Path) -> None:
    write(tmp_path, "[tool.dfgen\n")
    with pytest.raises(InputError) as raised:
        load_config(tmp_path)
    assert str(raised.value).startswith("pyproject.toml: cannot read [tool.dfgen]: ")
    # Found in a folder above: the message names it by its full path.
    (tmp_path / "sub").mkdir()
    with pytest.raises(InputError) as raised:
        load_config(tmp_path / "sub")
    assert str(raised.value).startswith(f"{(tmp_path / 'pyproject.toml').resolve()}: cannot read")


def test_paths_are_shown_relative_to_the_project(tmp_path: Path) -> None:
    config = load_config(tmp_path)
    assert config.shown(tmp_path / "definitions" / "cdr.yaml") == "definitions/cdr.yaml"
    outside = Path("/elsewhere/cdr.yaml")
    assert config.shown(outside) == "/elsewhere/cdr.yaml"
