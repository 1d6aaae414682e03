"""`catalog.eform_fast`: the quick yes says yes only to answers the JSON Schema validator
accepts, and says it to the declarations people actually submit."""

from __future__ import annotations

import json

from hypothesis import given, settings
from hypothesis import strategies as st
from jsonschema import Draft202012Validator

from motcua.catalog.eform_fast import accepting
from motcua.catalog.eforms import eform_compiled, eform_errors, generic_eform
from motcua.demo.eforms import EFORMS
from tests.dossiers.test_submission_cost import ANSWERS  # the judicial record's answers

FORMATS = Draft202012Validator.FORMAT_CHECKER
SCHEMAS = [
    json.loads(path.read_text(encoding="utf-8"))["schema"] for path in sorted(EFORMS.glob("*.json"))
] + [generic_eform("Thủ tục")["schema"]]
JUDICIAL = json.loads((EFORMS / "2.000488.json").read_text(encoding="utf-8"))["schema"]


def _valid(schema, data) -> bool:
    return (
        next(Draft202012Validator(schema, format_checker=FORMATS).iter_errors(data), None) is None
    )


def test_every_demo_eform_has_the_quick_check_and_a_real_declaration_passes_it():
    assert all(accepting(schema, FORMATS) is not None for schema in SCHEMAS)
    accepts = accepting(JUDICIAL, FORMATS)
    assert accepts(ANSWERS) is True
    assert eform_compiled({"schema": JUDICIAL}).accepts(ANSWERS) is True


# Values of every kind the keywords treat differently, and near misses of the demo's own.
_TEXTS = [
    "",
    "a",
    "1",
    "2",
    "nam",
    "nữ",
    "Nam",
    "truc_tuyen",
    "1985-04-12",
    "1985-4-12",
    "12/04/1985",
    "1985-02-30",
    "an@example.vn",
    "an@",
    "001090000001",
    "00109000000",
    "0905123456",
    "+84 905 123 456",
    "Nguyễn Văn An",
    "07:30",
    "25:99",
    "AB12345",
    "0101234567-001",
    "x" * 201,
    "x" * 2001,
]
_OTHERS = [None, True, False, 0, 1, 2, 5, 99, 100, 101, -1, 1.0, 2.5, 1e9, [], {}]
_SCALARS = st.one_of(
    st.sampled_from(_TEXTS + _OTHERS),
    st.integers(min_value=-5, max_value=120),
    st.floats(allow_nan=False, allow_infinity=False, min_value=-5, max_value=120),
    st.text(max_size=30),
)


def _plausible(prop: dict):
    """A value that passes the property's keywords, as a citizen would type it."""
    candidates = [
        *prop.get("enum", []),
        *([prop["const"]] if "const" in prop else []),
        *_TEXTS,
        False,
        *("0" * n for n in range(1, 16)),
        *(n for n in range(0, 200)),
    ]
    schema = {"type": "object", "properties": {"v": prop}}
    return next(c for c in candidates if _valid(schema, {"v": c}))


def _answers(schema: dict) -> dict:
    """A full declaration the validator accepts."""
    properties = schema["properties"]
    data = {
        name: ANSWERS[name]
        if name in ANSWERS
        and _valid({"type": "object", "properties": {"v": prop}}, {"v": ANSWERS[name]})
        else _plausible(prop)
        for name, prop in properties.items()
    }
    assert _valid(schema, data), data
    return data


def test_one_field_changed_the_check_agrees_with_the_validator():
    # Given, for every demo e-form, a valid declaration, and each field in turn changed to
    # each value of the list (or left out), or a field added that the form does not have.
    decided = 0
    for schema in SCHEMAS:
        accepts, base = accepting(schema, FORMATS), _answers(schema)
        assert accepts(base) is True
        for name in schema["properties"]:
            for value in [*_TEXTS, *_OTHERS, _MISSING]:
                data = dict(base)
                if value is _MISSING:
                    del data[name]
                else:
                    data[name] = value
                valid, quick = _valid(schema, data), accepts(data)
                # Then a yes is the validator's yes, and for text (nearly every answer) the
                # check decides exactly as the validator does.
                assert valid or not quick, (name, value)
                if type(value) is str or value is _MISSING:
                    assert quick == valid, (name, value)
                    decided += 1
        assert accepts({**base, "not_in_the_form": "x"}) == _valid(
            schema, {**base, "not_in_the_form": "x"}
        )
    assert decided > 5000


_MISSING = object()


@settings(max_examples=300, deadline=None)
@given(
    schema=st.sampled_from(SCHEMAS),
    changes=st.lists(st.tuples(st.integers(min_value=0, max_value=60), _SCALARS), max_size=4),
    dropped=st.lists(st.integers(min_value=0, max_value=60), max_size=2),
)
def test_the_quick_check_says_yes_only_where_the_validator_does(schema, changes, dropped):
    # Given a valid declaration with a few fields changed to anything and a few left out.
    names = list(schema["properties"])
    data = _answers(schema)
    for index, value in changes:
        data[names[index % len(names)]] = value
    for index in dropped:
        data.pop(names[index % len(names)], None)

    # Then the quick check accepts it only if the validator does.
    if accepting(schema, FORMATS)(data):
        assert _valid(schema, data), data


def test_a_schema_with_a_keyword_the_check_does_not_know_goes_to_the_validator():
    for extra in ({"dependentRequired": {"a": ["b"]}}, {"$defs": {}}, {"if": {}}):
        schema = {"type": "object", "properties": {"a": {"type": "string"}}, **extra}
        assert accepting(schema, FORMATS) is None
    nested = {"type": "object", "properties": {"a": {"type": "string", "allOf": [{}]}}}
    assert accepting(nested, FORMATS) is None


def test_an_answer_the_check_cannot_decide_is_still_judged_by_the_validator():
    # A number in an enum is not decided by the quick check (JSON's 1 and 1.0 are equal):
    # the validator decides, and its message is the one shown.
    eform = {
        "schema": {
            "type": "object",
            "properties": {"copies": {"type": "number", "enum": [1, 2]}},
            "required": ["copies"],
        }
    }
    assert eform_compiled(eform).accepts({"copies": 1}) is False
    assert eform_errors(eform, {"copies": 1.0}) == {}
    assert eform_errors(eform, {"copies": 3}) == {
        "copies": "Phải chọn một trong các giá trị cho sẵn."
    }
