"""A quick yes for e-form answers the JSON Schema validator accepts (`eforms.eform_errors`).

Walking a schema with `jsonschema` costs more than the rest of checking a submission's
declaration (each property is a `descend` with a new validator). Nearly every declaration
that reaches a submission is valid, and e-forms use a small part of draft 2020-12: one object
of scalar properties with `type`, `enum`, `const`, lengths, `pattern`, `format` and bounds.

`accepting(schema, format_checker)` builds, once per e-form, a check that answers True only
for answers the validator accepts — each keyword tested as `jsonschema`'s own keyword
function tests it (`len`, `re.search`, the format checker's own `conforms`, the comparisons),
for the cases where that is plain: a str, an int, a float or a bool. Anything else (another
keyword, an enum of numbers, a null) answers False, and the caller asks the validator, which
also says what is wrong. None: the schema uses a keyword this check does not know, so every
answer goes to the validator. tests/catalog/test_eform_fast.py holds it to the validator."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

Check = Callable[[Any], bool]

# What a property may say for this check to apply; annotations change no outcome.
_ANNOTATIONS = frozenset({"title", "description", "default", "examples", "$comment"})
_PROPERTY = _ANNOTATIONS | {
    "type",
    "enum",
    "const",
    "format",
    "minLength",
    "maxLength",
    "pattern",
    "minimum",
    "maximum",
    "exclusiveMinimum",
    "exclusiveMaximum",
}
_TOP = _ANNOTATIONS | {"$schema", "type", "properties", "required", "additionalProperties"}
_BOUNDS = ("minimum", "maximum", "exclusiveMinimum", "exclusiveMaximum")


def _types(declared: Any) -> frozenset[str] | None:
    if isinstance(declared, str):
        return frozenset({declared})
    if isinstance(declared, list) and all(isinstance(t, str) for t in declared):
        return frozenset(declared)
    return None


def _property(schema: Any, format_checker: Any) -> Check | None:
    if not isinstance(schema, dict) or not set(schema) <= _PROPERTY:
        return None
    types = _types(schema["type"]) if "type" in schema else None
    if "type" in schema and types is None:
        return None
    # An enum or a const is tested here for a str against strs (`equal` is `==` then) and for
    # a bool; a number in one goes to the validator.
    enum = schema.get("enum")
    choices: list[Any] = enum if isinstance(enum, list) else []
    strings = frozenset(choices) if all(type(c) is str for c in choices) else None
    constant = schema.get("const")
    has_enum, has_const = "enum" in schema, "const" in schema
    shortest, longest = schema.get("minLength"), schema.get("maxLength")
    try:
        pattern = re.compile(schema["pattern"]) if "pattern" in schema else None
    except (re.error, TypeError):
        return None  # the validator says what it says of it
    bounds = [(key, schema[key]) for key in _BOUNDS if key in schema]
    format_ = schema.get("format")

    def text(value: str) -> bool:
        if types is not None and "string" not in types:
            return False
        if has_enum and (strings is None or value not in strings):
            return False
        if has_const and (type(constant) is not str or value != constant):
            return False
        if shortest is not None and len(value) < shortest:
            return False
        if longest is not None and len(value) > longest:
            return False
        return pattern is None or pattern.search(value) is not None

    def number(value: int | float) -> bool:
        if (
            types is not None
            and "number" not in types
            and not (type(value) is int and "integer" in types)
        ):
            return False
        if has_enum or has_const:
            return False
        for key, bound in bounds:
            if key == "minimum" and value < bound:
                return False
            if key == "maximum" and value > bound:
                return False
            if key == "exclusiveMinimum" and value <= bound:
                return False
            if key == "exclusiveMaximum" and value >= bound:
                return False
        return True

    def flag(value: bool) -> bool:
        # `equal` of a bool and a JSON value is identity: True is neither 1 nor "true".
        if types is not None and "boolean" not in types:
            return False
        if has_enum and not any(c is value for c in choices):
            return False
        return not has_const or constant is value

    def check(value: Any) -> bool:
        kind = type(value)
        if kind is str:
            passed = text(value)
        elif kind is int or kind is float:
            passed = number(value)
        elif kind is bool:
            passed = flag(value)
        else:
            return False
        # The format checker is asked whatever the type, as the `format` keyword asks it.
        return passed and (format_ is None or format_checker.conforms(value, format_))

    return check


def accepting(schema: Any, format_checker: Any) -> Check | None:
    """A check of a whole declaration (see the module's note), or None."""
    if not isinstance(schema, dict) or not set(schema) <= _TOP or schema.get("type") != "object":
        return None
    properties, required = schema.get("properties", {}), schema.get("required", [])
    others_allowed = schema.get("additionalProperties", True)
    if not isinstance(properties, dict) or not isinstance(others_allowed, bool):
        return None
    if not isinstance(required, list) or not all(isinstance(n, str) for n in required):
        return None
    checks: dict[str, Check] = {}
    for name, subschema in properties.items():
        found = _property(subschema, format_checker)
        if found is None:
            return None
        checks[name] = found

    def accepts(data: Any) -> bool:
        if type(data) is not dict:
            return False
        if any(name not in data for name in required):
            return False
        for name, value in data.items():
            check = checks.get(name)
            if check is None:
                if not others_allowed:
                    return False
            elif not check(value):
                return False
        return True

    return accepts
