"""generator/model/naming.py: the README's naming rules, one rule at a time."""

from __future__ import annotations

import keyword
import unicodedata

import pydantic
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from generator.model import naming


@pytest.mark.parametrize(
    ("code", "attribute"),
    [
        # Split at case changes, an upper-case run ending where a word starts.
        ("callType", "call_type"),
        ("originatingLAC", "originating_lac"),
        ("HTTPServer", "http_server"),
        # Digits stay with the word before them.
        ("q850Cause", "q850_cause"),
        ("mos2Value", "mos2_value"),
        # Spaces, punctuation and underscores separate words; runs of them make one underscore.
        ("a_b-c d.e", "a_b_c_d_e"),
        ("__call--type__", "call_type"),
        # NFKC (full-width letters, ligatures, superscripts) and accents dropped.
        ("ｃａｌｌＴｙｐｅ", "call_type"),
        ("ﬁleSize", "file_size"),
        ("x²", "x2"),
        ("Élevé", "eleve"),
        ("niveauÉlevé", "niveau_eleve"),
        # A caseless script stays as it is.
        ("日本", "日本"),
    ],
)
def test_attribute_names_are_snake_case_words_of_the_code(code: str, attribute: str) -> None:
    assert naming.attribute_name(code) == attribute


@pytest.mark.parametrize(
    ("label", "member"),
    [
        # Labels keep their words whole: no split at case changes.
        ("VoLTE", "VOLTE"),
        ("No Answer", "NO_ANSWER"),
        ("G.711", "G_711"),
        ("AMR-WB", "AMR_WB"),
        ("Élevé", "ELEVE"),
        ("  padded  label ", "PADDED_LABEL"),
        # A leading digit gets N_.
        ("3G", "N_3G"),
        ("2.5 GHz", "N_2_5_GHZ"),
    ],
)
def test_member_names_are_upper_case_words_of_the_label(label: str, member: str) -> None:
    assert naming.member_name(label, 1) == member


@pytest.mark.parametrize(
    ("code", "name"),
    [
        ("callType", "CallType"),
        ("originatingLAC", "OriginatingLac"),
        ("codec", "Codec"),
        # Not starting with an upper-case letter: `Enum` in front, never also the field's attribute.
        ("3gppCause", "Enum3gppCause"),
        ("日本", "Enum日本"),
        ("none", "None_"),
        ("true", "True_"),
        ("o", "O_"),
    ],
)
def test_enum_class_names_are_pascal_case_and_start_upper_case(code: str, name: str) -> None:
    assert naming.class_name(code) == name
    assert name[0].isupper() and name.isidentifier()
    assert name != naming.attribute_name(code)


# False, None and True are lower-cased to attributes that are no keyword; the rest keep their case.
@pytest.mark.parametrize("word", [*(w for w in keyword.kwlist if w.islower()), *sorted(naming.MODEL_ATTRIBUTES)])
def test_keywords_and_model_attributes_get_a_trailing_underscore(word: str) -> None:
    assert naming.attribute_name(word) == f"{word}_"


@pytest.mark.parametrize(
    ("code", "attribute"),
    [("json", "json_"), ("copy", "copy_"), ("model_config", "model_config_"), ("id", "id_"), ("ident", "ident")],
)
def test_names_pydantic_or_the_record_defines_are_not_shadowed_and_others_are_left_alone(
    code: str, attribute: str
) -> None:
    assert naming.attribute_name(code) == attribute


def test_every_public_attribute_of_pydantic_models_is_a_reserved_name() -> None:
    # A pydantic upgrade that adds a BaseModel method must not let a field silently shadow it.
    public = {name for name in dir(pydantic.BaseModel) if not name.startswith("_")}
    metaclass = {name for name in dir(type(pydantic.BaseModel)) if not name.startswith("_")}
    assert public | metaclass <= naming.MODEL_ATTRIBUTES


def test_names_that_read_as_one_and_zero_get_a_trailing_underscore() -> None:
    assert naming.attribute_name("l") == "l_"
    assert (naming.member_name("I", 1), naming.member_name("O", 2)) == ("I_", "O_")
    assert naming.class_name("I") == "I_"


def test_a_leading_digit_gets_a_prefix() -> None:
    assert naming.attribute_name("3gppCause") == "field_3gpp_cause"
    assert naming.attribute_name("850") == "field_850"
    assert naming.member_name("1st choice", 4) == "N_1ST_CHOICE"


def test_nothing_usable_falls_back_to_the_hex_of_the_code_or_the_option_id() -> None:
    assert naming.attribute_name("!!!") == "field_212121"
    assert naming.attribute_name("→") == "field_" + "→".encode().hex()
    assert naming.class_name("!!!") == "Enum212121"
    assert naming.member_name("!!!", 7) == "OPTION_7"
    # A negative id still makes a name.
    assert naming.member_name("???", -3) == "OPTION_MINUS_3"


def test_a_member_that_met_another_gets_its_option_id() -> None:
    assert naming.suffixed_member("G_711", 1) == "G_711_1"
    assert naming.suffixed_member("G_711", -1) == "G_711_MINUS_1"


@pytest.mark.parametrize(
    ("code", "module"), [("CDR", "cdr"), ("CLASS", "class_"), ("IMPORT", "import_"), ("X_1", "x_1")]
)
def test_modules_are_the_lower_cased_code_with_keywords_suffixed(code: str, module: str) -> None:
    assert naming.module_name(code) == module


@pytest.mark.parametrize(
    ("code", "label"),
    [("callType", "Call Type"), ("originatingLAC", "Originating LAC"), ("q850Cause", "Q850 Cause"), ("!!!", "!!!")],
)
def test_default_label_capitalises_the_words_of_the_code(code: str, label: str) -> None:
    assert naming.default_label(code) == label


@pytest.mark.parametrize(
    ("name", "kind", "problem"),
    [
        ("call_type", "field", None),
        ("CallType", "class", None),
        ("G_711", "member", None),
        ("2fast", "field", "'2fast' is not a usable Python name"),
        ("_private", "field", "'_private' is not a usable Python name"),
        ("ﬁle", "field", "'ﬁle' is not a usable Python name"),
        ("class", "field", "'class' is a Python keyword"),
        ("json", "field", "'json' must be lower case and not shadow a model attribute"),
        ("callType", "field", "'callType' must be lower case and not shadow a model attribute"),
        ("callType", "class", "'callType' must start with an upper-case letter"),
        ("g_711", "member", "'g_711' must be upper case"),
    ],
)
def test_a_pinned_name_is_checked_by_the_same_rules(name: str, kind: str, problem: str | None) -> None:
    assert naming.pinned_name_problem(name, kind) == problem


def test_hangul_keeps_its_letters_like_any_caseless_script() -> None:
    assert naming.attribute_name("한국") == "한국"
    assert naming.class_name("한국") == "Enum한국"
    assert naming.member_name("한국", 1) == "한국"


def _usable(name: str) -> bool:
    """A name Python reads back as itself and that shadows nothing."""
    return (
        name.isidentifier()
        and unicodedata.normalize("NFKC", name) == name
        and not keyword.iskeyword(name)
        and name not in naming.AMBIGUOUS
    )


@settings(max_examples=400, deadline=None)
@given(st.text(max_size=20))
def test_any_text_gives_usable_deterministic_names(text: str) -> None:
    attribute = naming.attribute_name(text)
    assert _usable(attribute) and attribute not in naming.MODEL_ATTRIBUTES
    assert not attribute.startswith("_")
    enum_class = naming.class_name(text)
    assert _usable(enum_class) and enum_class[0].isupper()
    member = naming.member_name(text, 5)
    assert _usable(member) and not member.startswith("_")
    assert naming.pinned_name_problem(member, "member") is None
    # Same text, same names: nothing depends on state between calls.
    assert (naming.attribute_name(text), naming.class_name(text)) == (attribute, enum_class)
