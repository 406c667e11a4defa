"""Every rule that turns tenant text (codes, labels) into Python names, in one place.

The rules, also stated in the README:
- Words are split at spaces, punctuation and underscores; in codes also at case changes
  (`originatingLAC` -> `originating`, `LAC`), digits staying with the word before them
  (`q850Cause` -> `q850`, `Cause`). Labels keep their words whole (`VoLTE` -> `VOLTE`).
  Text is NFKC-normalised and accents are dropped (`Élevé` -> `Eleve`).
- Field attributes are snake_case; enum classes PascalCase; enum members UPPER_CASE;
  entity modules the lower-cased entity code.
- A name that starts with a digit gets a prefix: `field_` for attributes, `N_` for members.
  A class name that does not start with an upper-case letter (a digit, or a script without case
  such as `日本`) gets `Enum`, so that it is never also its field's attribute name.
  A name left empty gets `field_<hex of the code>` or `OPTION_<id>`.
- A Python keyword, or an attribute that pydantic's BaseModel or the generated base classes
  already define (`json`, `copy`, `model_config`, `to_payload`, a record's `id`, `entity`,
  `level` and `combo_key`, ...), gets a trailing `_`; so do `l`, `I` and `O`, which read as 1
  and 0 (pycodestyle E741, E742).
- Two enum members whose labels meet get their option id appended (`G_711_1`, `G_711_2`), and
  again while a name still meets another (the label `G 711 1` is also `G_711_1`); pinned names
  stay as pinned.
  Two fields, or two classes, that meet stop generation with a message naming both and the
  pin that resolves it: `[tool.dfgen.pins.<ENTITY>]`.
"""

from __future__ import annotations

import keyword
import unicodedata

# BaseModel's public attributes (pydantic 2.11+), the generated bases' own (a record's `id` and
# envelope keys among them), and those every model
# class gets from its metaclass (type.mro, ABCMeta.register); a field that took one of these names
# would shadow it. tests/test_naming.py checks this against pydantic itself.
MODEL_ATTRIBUTES = frozenset(
    """
    construct copy dict from_orm json model_computed_fields model_config model_construct
    model_copy model_dump model_dump_json model_extra model_fields model_fields_set
    model_json_schema model_parametrized_name model_post_init model_rebuild model_validate
    model_validate_json model_validate_strings parse_file parse_obj parse_raw schema
    schema_json update_forward_refs validate fields to_payload mro register
    id entity level combo_key
    """.split()
)


# pycodestyle's ambiguous names (E741 for variables, E742 for classes): l, I and O read as 1 and 0.
AMBIGUOUS = frozenset({"l", "I", "O"})


def words(text: str, split_case: bool = True) -> list[str]:
    """Split tenant text into accent-folded words at separators and (for codes) case changes."""
    folded = unicodedata.normalize("NFKD", unicodedata.normalize("NFKC", text))
    # Accents go with the combining marks; NFC then joins what NFKD split without one (Hangul's
    # syllables), so that a caseless script keeps its letters.
    chars = list(unicodedata.normalize("NFC", "".join(c for c in folded if not unicodedata.combining(c))))
    result: list[str] = []
    current = ""
    for i, char in enumerate(chars):
        if not (char.isalnum() and ("a" + char).isidentifier()):
            if current:
                result.append(current)
            current = ""
            continue
        previous = chars[i - 1] if i else ""
        following = chars[i + 1] if i + 1 < len(chars) else ""
        starts_word = (
            split_case
            and char.isupper()
            and (previous.islower() or previous.isdigit() or (previous.isupper() and following.islower()))
        )
        if starts_word and current:
            result.append(current)
            current = ""
        current += char
    if current:
        result.append(current)
    return result


def _stable(name: str) -> bool:
    """A name Python reads back as itself (identifiers are NFKC-normalised by the parser)."""
    return name.isidentifier() and unicodedata.normalize("NFKC", name) == name


def _fallback(prefix: str, text: str) -> str:
    return f"{prefix}{text.encode('utf-8').hex()}"


def attribute_name(code: str) -> str:
    """The snake_case Python attribute for a field code."""
    name = "_".join(w.lower() for w in words(code))
    if not name:
        return _fallback("field_", code)
    if name[0].isdigit():
        name = f"field_{name}"
    if not _stable(name):
        return _fallback("field_", code)
    if keyword.iskeyword(name) or name in MODEL_ATTRIBUTES or name in AMBIGUOUS:
        name += "_"
    return name


def class_name(text: str) -> str:
    """The PascalCase class name for an enum field's code."""
    name = "".join(w[:1].upper() + w[1:].lower() for w in words(text))
    if not name:
        return _fallback("Enum", text)
    # `日本: 日本 = ...` would make the attribute hide its own enum class in the model's body.
    if not name[0].isupper():
        name = f"Enum{name}"
    if not _stable(name):
        return _fallback("Enum", text)
    if keyword.iskeyword(name) or name in AMBIGUOUS:
        name += "_"
    return name


def member_name(label: str, option_id: int) -> str:
    """The UPPER_CASE enum member for an option label."""
    name = "_".join(w.upper() for w in words(label, split_case=False))
    if name[:1].isdigit():
        name = f"N_{name}"
    if not name or not _stable(name):
        return f"OPTION_{option_id}".replace("-", "MINUS_")
    return f"{name}_" if name in AMBIGUOUS else name


def suffixed_member(name: str, option_id: int) -> str:
    """A member name that met another, made unique by its option id (`G_711_1`, `G_711_MINUS_1`)."""
    return f"{name}_{option_id}".replace("-", "MINUS_")


def module_name(entity_code: str) -> str:
    """The Python module of an entity: its code in lower case, `_` added to a keyword."""
    name = entity_code.lower()
    return f"{name}_" if keyword.iskeyword(name) else name


def default_label(code: str) -> str:
    """The display label of a field that has none: its code's words, capitalised."""
    return " ".join(w if w.isupper() else w[:1].upper() + w[1:] for w in words(code)) or code


def pinned_name_problem(name: str, kind: str) -> str | None:
    """Why a pinned name cannot be used, or None when it can."""
    if not isinstance(name, str) or not _stable(name) or name.startswith("_"):
        return f"{name!r} is not a usable Python name"
    if keyword.iskeyword(name):
        return f"{name!r} is a Python keyword"
    if kind == "field" and (name in MODEL_ATTRIBUTES or name != name.lower()):
        return f"{name!r} must be lower case and not shadow a model attribute"
    if kind == "class" and not name[0].isupper():
        return f"{name!r} must start with an upper-case letter"
    if kind == "member" and name != name.upper():
        return f"{name!r} must be upper case"
    if kind == "module" and name != name.lower():
        return f"{name!r} must be lower case"
    return None
