"""Data documents (OpenAPI) as text: indented JSON, which every YAML 1.2 reader reads as it is."""

from __future__ import annotations

import json
import re
from typing import Any

# Characters that JSON writes raw but a YAML reader folds into a line break (NEL, U+2028, U+2029),
# refuses in a stream (C1 controls, DEL, U+FFFE, U+FFFF, lone surrogates) or may strip (a BOM):
# escaped, so that PyYAML, ruamel.yaml and JavaScript's readers give back every string exactly.
_YAML_UNSAFE = re.compile("[\x7f-\x9f\u2028\u2029\ufeff\ufffe\uffff\ud800-\udfff]")


def dump_document(data: Any) -> str:
    """The data as indented JSON, in its own key order, every string exact for JSON and YAML readers."""
    text = json.dumps(data, indent=2, ensure_ascii=False, allow_nan=False)
    return _YAML_UNSAFE.sub(lambda match: f"\\u{ord(match[0]):04x}", text) + "\n"
