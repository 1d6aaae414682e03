"""E-forms (domain.md §4): a procedure's declaration as JSON Schema (draft 2020-12) plus UI
hints. This module checks a definition, builds the generic form, and validates a citizen's
answers with Vietnamese messages; where a value can be prefilled from is read by the portal.

Format (`Procedure.eform`)::

    {"title": "Tờ khai …",
     "schema": {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
                "properties": {…}, "required": […]},
     "ui": {"order": ["field", …],
            "fields": {"field": {"label", "widget", "help", "section", "choices",
                                 "pattern_hint", "subject": "applicant.father",
                                 "meaning": "full_name"}},
            "covers_documents": [1]}}

`subject` and `meaning` say whose data a field holds and what it is: "Họ và tên cha" on a
judicial-record form is (`applicant.father`, `full_name`), the same words on a birth
registration are (`child.father`, `full_name`) — another person. Prefill keys on that pair,
never on the field's name: a value is reused only for the same subject and meaning, and only
for the subjects in `CARRIED_SUBJECTS` (the applicant and the applicant's own parents and
spouse), the people who are the same in every dossier of this citizen. A child being
registered, a deceased person, a partner, a household head, a land parcel are this dossier's
own; a field without a subject is never prefilled.

`covers_documents` names the positions of required documents that the filled e-form replaces
(the paper declaration), so the citizen is not asked to upload them.
"""

from __future__ import annotations

import copy
import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils.translation import gettext as _
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

from motcua.catalog.eform_fast import Check, accepting
from motcua.core.errors import ValidationFailed
from motcua.core.names import person_name_clean

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
WIDGETS = frozenset(
    {"text", "textarea", "date", "select", "radio", "number", "email", "tel", "checkbox"}
)
APPLICANT = "applicant"
# Subjects that are the same people in every dossier of one citizen: what a citizen declared
# about them before may be offered again. Every other subject belongs to its dossier.
CARRIED_SUBJECTS = frozenset(
    {APPLICANT, "applicant.father", "applicant.mother", "applicant.spouse"}
)
_SUBJECT = re.compile(r"^[a-z][a-z_]{0,31}(\.[a-z][a-z_]{0,31})?$")
_MEANING = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
# Longest answer kept for a free-text field: a declaration is not a document store.
MAX_TEXT = 2000


def about_of(hint: dict[str, Any]) -> tuple[str, str] | None:
    """A field's (subject, meaning), or None when the form does not say."""
    subject, meaning = hint.get("subject"), hint.get("meaning")
    if isinstance(subject, str) and isinstance(meaning, str) and subject and meaning:
        return subject, meaning
    return None


def _about_problems(where: str, hint: dict[str, Any]) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    if "source" in hint:
        problems.append(
            (
                f"{where}.source",
                _(
                    "không còn dùng: giá trị không được lấy theo tên trường; hãy khai báo "
                    "“subject” (người có thông tin) và “meaning” (thông tin gì)"
                ),
            )
        )
    subject, meaning = hint.get("subject"), hint.get("meaning")
    if subject is None and meaning is None:
        return problems
    if not isinstance(subject, str) or not _SUBJECT.match(subject):
        problems.append(
            (
                f"{where}.subject",
                _(
                    "phải là người có thông tin, ví dụ applicant, applicant.father, "
                    "applicant.mother, applicant.spouse, child, deceased"
                ),
            )
        )
    if not isinstance(meaning, str) or not _MEANING.match(meaning):
        problems.append(
            (
                f"{where}.meaning",
                _("phải là tên thông tin (chữ thường, số, gạch dưới), ví dụ full_name"),
            )
        )
    return problems


def eform_problems(eform: Any) -> list[tuple[str, str]]:
    """Every problem of a definition as (location below `eform`, Vietnamese reason)."""
    if not isinstance(eform, dict):
        return [("", _("phải là một đối tượng có schema và ui"))]
    schema, ui = eform.get("schema"), eform.get("ui")
    problems: list[tuple[str, str]] = []
    if not isinstance(schema, dict):
        return [("schema", _("phải là một JSON Schema (đối tượng)"))]
    if schema.get("$schema", SCHEMA_DIALECT) != SCHEMA_DIALECT:
        problems.append(("schema.$schema", _("phải là %(d)s") % {"d": SCHEMA_DIALECT}))
    try:
        Draft202012Validator.check_schema(schema)
    except SchemaError as error:
        where = ".".join(str(p) for p in error.absolute_path)
        problems.append(
            (
                f"schema.{where}" if where else "schema",
                _("không hợp lệ theo JSON Schema draft 2020-12: %(m)s") % {"m": error.message},
            )
        )
        return problems
    properties = schema.get("properties")
    if schema.get("type") != "object" or not isinstance(properties, dict) or not properties:
        problems.append(("schema", _('phải có type "object" và ít nhất một trường (properties)')))
        return problems
    if not isinstance(ui, dict):
        return [*problems, ("ui", _("phải là một đối tượng"))]
    order = ui.get("order")
    if not isinstance(order, list) or not all(isinstance(n, str) for n in order):
        problems.append(("ui.order", _("phải là danh sách tên trường")))
    else:
        for name in order:
            if name not in properties:
                problems.append(
                    ("ui.order", _("trường '%(n)s' không có trong schema") % {"n": name})
                )
        for name in properties:
            if order.count(name) != 1:
                problems.append(
                    ("ui.order", _("trường '%(n)s' phải có đúng một lần") % {"n": name})
                )
    hints = ui.get("fields", {})
    if not isinstance(hints, dict):
        return [*problems, ("ui.fields", _("phải là một đối tượng"))]
    for name, hint in hints.items():
        where = f"ui.fields.{name}"
        if name not in properties:
            problems.append((where, _("không có trong schema")))
            continue
        if not isinstance(hint, dict):
            problems.append((where, _("phải là một đối tượng")))
            continue
        if hint.get("widget", "text") not in WIDGETS:
            problems.append(
                (f"{where}.widget", _("phải là một trong: ") + ", ".join(sorted(WIDGETS)))
            )
        for key in ("label", "help", "section", "pattern_hint"):
            if key in hint and not isinstance(hint[key], str):
                problems.append((f"{where}.{key}", _("phải là chuỗi ký tự")))
        problems.extend(_about_problems(where, hint))
        choices = hint.get("choices")
        if choices is not None and not (
            isinstance(choices, dict) and all(isinstance(v, str) for v in choices.values())
        ):
            problems.append((f"{where}.choices", _("phải là đối tượng giá trị → nhãn")))
    seen: dict[tuple[str, str], str] = {}
    for name in properties:
        hint = hints.get(name)
        about = about_of(hint) if isinstance(hint, dict) else None
        if about is not None and about in seen:
            problems.append(
                (
                    f"ui.fields.{name}",
                    _("trùng người và thông tin (%(s)s, %(m)s) với trường '%(o)s'")
                    % {"o": seen[about], "s": about[0], "m": about[1]},
                )
            )
        elif about is not None:
            seen[about] = name
    covers = ui.get("covers_documents", [])
    if not isinstance(covers, list) or not all(
        isinstance(p, int) and not isinstance(p, bool) and p >= 1 for p in covers
    ):
        problems.append(("ui.covers_documents", _("phải là danh sách số thứ tự giấy tờ (từ 1)")))
    return problems


# --- the generic form: what any procedure asks of its applicant ---------------------------

PERSONAL_ID = {"type": "string", "pattern": "^[0-9]{12}$"}


def generic_eform(procedure_name: str = "") -> dict[str, Any]:
    """For procedures without a published e-form: the applicant's own particulars only."""
    fields = {
        "applicant_full_name": ("Họ, chữ đệm và tên người nộp", "text", "full_name"),
        "applicant_birth_date": ("Ngày, tháng, năm sinh", "date", "birth_date"),
        "applicant_sex": ("Giới tính", "radio", "sex"),
        "applicant_personal_id": ("Số định danh cá nhân", "text", "personal_id"),
        "applicant_address": ("Nơi thường trú", "text", "permanent_address"),
        "applicant_phone": ("Số điện thoại", "tel", "phone"),
        "applicant_email": ("Thư điện tử", "email", "email"),
    }
    properties: dict[str, Any] = {
        "applicant_full_name": {"type": "string", "minLength": 2, "maxLength": 200},
        "applicant_birth_date": {"type": "string", "format": "date"},
        "applicant_sex": {"type": "string", "enum": ["nam", "nữ"]},
        "applicant_personal_id": PERSONAL_ID,
        "applicant_address": {"type": "string", "maxLength": 500},
        "applicant_phone": {"type": "string", "pattern": "^\\+?[0-9 .]{8,15}$"},
        "applicant_email": {"type": "string", "format": "email", "maxLength": 254},
    }
    hints: dict[str, Any] = {
        name: {
            "label": label,
            "widget": widget,
            "subject": APPLICANT,
            "meaning": meaning,
            "section": "Người nộp hồ sơ",
        }
        for name, (label, widget, meaning) in fields.items()
    }
    hints["applicant_sex"]["choices"] = {"nam": "Nam", "nữ": "Nữ"}
    hints["applicant_personal_id"]["pattern_hint"] = "12 chữ số"
    hints["applicant_phone"]["pattern_hint"] = "8 đến 15 chữ số"
    return {
        "title": f"Thông tin người nộp hồ sơ — {procedure_name}" if procedure_name else "",
        "generic": True,
        "schema": {
            "$schema": SCHEMA_DIALECT,
            "type": "object",
            "properties": properties,
            "required": [
                "applicant_full_name",
                "applicant_birth_date",
                "applicant_personal_id",
                "applicant_address",
            ],
            "additionalProperties": False,
        },
        "ui": {"order": list(fields), "fields": hints, "covers_documents": []},
    }


def eform_of(procedure: Any) -> dict[str, Any]:
    return procedure.eform or generic_eform(procedure.name)


@dataclass(frozen=True)
class Field:
    name: str
    label: str
    widget: str
    help: str
    section: str
    required: bool
    schema: dict[str, Any]
    choices: list[tuple[str, str]]
    # Whose data and which of it, e.g. ("applicant.father", "full_name"); None: not said, so
    # never prefilled.
    about: tuple[str, str] | None = None

    @property
    def carried(self) -> bool:
        """What the citizen declared here before may be offered again (same person in every
        dossier of theirs)."""
        return self.about is not None and self.about[0] in CARRIED_SUBJECTS


def eform_fields(eform: dict[str, Any]) -> list[Field]:
    """The fields in UI-hint order, each with what the page needs to draw it."""
    schema = eform["schema"]
    properties = schema["properties"]
    required = set(schema.get("required", []))
    hints = eform.get("ui", {}).get("fields", {})
    result = []
    for name in eform.get("ui", {}).get("order") or list(properties):
        prop, hint = properties[name], hints.get(name, {})
        widget = hint.get("widget") or _default_widget(prop)
        labels = hint.get("choices") or {}
        choices = [(str(v), labels.get(str(v), str(v))) for v in prop.get("enum", [])]
        result.append(
            Field(
                name=name,
                label=hint.get("label") or prop.get("title") or name,
                widget=widget,
                help=hint.get("help") or prop.get("description") or "",
                section=hint.get("section", ""),
                required=name in required,
                schema=prop,
                choices=choices,
                about=about_of(hint),
            )
        )
    return result


def _default_widget(prop: dict[str, Any]) -> str:
    if "enum" in prop:
        return "select"
    if prop.get("format") == "date":
        return "date"
    if prop.get("type") in ("integer", "number"):
        return "number"
    if prop.get("type") == "boolean":
        return "checkbox"
    return "text"


def covered_positions(eform: dict[str, Any] | None) -> set[int]:
    if not eform:
        return set()
    return set(eform.get("ui", {}).get("covers_documents", []))


# --- answers ---------------------------------------------------------------------------------


def _message(error: Any, hint: str) -> str:
    kind, value = error.validator, error.validator_value
    if kind == "type":
        wanted = value if isinstance(value, str) else value[0]
        return {
            "integer": _("Phải là số nguyên."),
            "number": _("Phải là một số."),
            "boolean": _("Phải chọn có hoặc không."),
            "string": _("Phải là chữ."),
        }.get(wanted, _("Kiểu dữ liệu không đúng."))
    if kind == "const" and value is True:
        return _("Phải đánh dấu mục này.")
    if kind in ("enum", "const"):
        return _("Phải chọn một trong các giá trị cho sẵn.")
    if kind == "minLength":
        return _("Phải có ít nhất %(n)d ký tự.") % {"n": value}
    if kind == "maxLength":
        return _("Không được dài quá %(n)d ký tự.") % {"n": value}
    if kind == "minimum":
        return _("Không được nhỏ hơn %(n)s.") % {"n": value}
    if kind == "maximum":
        return _("Không được lớn hơn %(n)s.") % {"n": value}
    if kind == "exclusiveMinimum":
        return _("Phải lớn hơn %(n)s.") % {"n": value}
    if kind == "exclusiveMaximum":
        return _("Phải nhỏ hơn %(n)s.") % {"n": value}
    if kind == "pattern":
        if hint:
            return _("Không đúng định dạng: %(hint)s.") % {"hint": hint}
        return _("Không đúng định dạng.")
    if kind == "format":
        return {
            "date": _("Ngày không hợp lệ; hãy viết theo dạng dd/mm/yyyy."),
            "email": _("Địa chỉ thư điện tử không hợp lệ."),
        }.get(value, _("Không đúng định dạng."))
    return _("Giá trị không hợp lệ.")


@dataclass(frozen=True)
class CompiledEform:
    """What validating and drawing an e-form needs, built once per definition."""

    source: dict[str, Any]  # a deep copy of the definition it was built from
    fields: tuple[Field, ...]
    by_name: dict[str, Field]
    validator: Draft202012Validator
    # True only for answers the validator accepts; None: every answer goes to the validator.
    accepts: Check | None


# A definition is looked up by a cheap key (its title and field names) and taken only when
# equal to the copy it was built from, so an e-form published again, or a dict changed in
# place, is built anew; the few procedures with e-forms keep the cache small.
_COMPILED: dict[tuple[Any, ...], CompiledEform] = {}
_COMPILED_MAX = 512


def eform_compiled(eform: dict[str, Any]) -> CompiledEform:
    """The e-form's fields and its JSON Schema validator, built once per definition (a
    request reads the procedure afresh, so identity alone would never hit)."""
    schema = eform["schema"]
    key = (eform.get("title"), tuple(schema.get("properties", ())), eform.get("generic"))
    found = _COMPILED.get(key)
    if found is not None and found.source == eform:
        return found
    source = copy.deepcopy(eform)
    fields = tuple(eform_fields(source))
    formats = Draft202012Validator.FORMAT_CHECKER
    compiled = CompiledEform(
        source=source,
        fields=fields,
        by_name={f.name: f for f in fields},
        validator=Draft202012Validator(source["schema"], format_checker=formats),
        accepts=accepting(source["schema"], formats),
    )
    if len(_COMPILED) >= _COMPILED_MAX:
        _COMPILED.clear()
    _COMPILED[key] = compiled
    return compiled


def eform_errors(eform: dict[str, Any], data: dict[str, Any]) -> dict[str, str]:
    """Field name → the first Vietnamese message for it; "" holds form-wide problems."""
    compiled = eform_compiled(eform)
    fields = compiled.by_name
    hints = compiled.source.get("ui", {}).get("fields", {})
    errors: dict[str, str] = {}
    # Most declarations are valid: a quick yes where it is certain, else the validator's walk.
    valid = compiled.accepts is not None and compiled.accepts(data)
    found = [] if valid else compiled.validator.iter_errors(data)
    for error in sorted(found, key=lambda e: list(e.path)):
        if error.validator in ("required", "dependentRequired") and not error.path:
            names = (
                error.validator_value
                if error.validator == "required"
                else [n for deps in error.validator_value.values() for n in deps]
            )
            for name in names:
                if name not in data and name in fields:
                    template = (
                        _("Phải đánh dấu “%(label)s”.")
                        if fields[name].widget == "checkbox"
                        else _("Phải điền “%(label)s”.")
                    )
                    errors.setdefault(name, template % {"label": fields[name].label})
            continue
        if error.validator == "additionalProperties" and not error.path:
            errors.setdefault("", _("Tờ khai có trường không thuộc mẫu."))
            continue
        name = str(error.path[0]) if error.path else ""
        hint = hints.get(name, {}).get("pattern_hint", "") if name in fields else ""
        errors.setdefault(name, _message(error, hint))
    # Every person's name in a declaration (the applicant's, a parent's, …) follows the one
    # name rule of the counter and the dossier (`core.names`).
    for name, field in fields.items():
        value = data.get(name)
        if field.about is None or field.about[1] != "full_name" or name in errors:
            continue
        if isinstance(value, str) and value.strip():
            try:
                person_name_clean(value, field=name)
            except ValidationFailed as refused:
                errors[name] = refused.message
    return errors


def date_display(value: Any) -> str:
    """ISO `2024-05-01` → `01/05/2024`; anything else as it is."""
    if isinstance(value, str):
        try:
            return f"{date.fromisoformat(value):%d/%m/%Y}"
        except ValueError:
            return value
    return "" if value is None else str(value)


_DMY = re.compile(r"^\s*(\d{1,2})[/.-](\d{1,2})[/.-](\d{4})\s*$")


def date_parse(text: str) -> str:
    """`1/5/2024` or `01/05/2024` → `2024-05-01`; anything unreadable is kept as typed, so the
    schema's `format: date` reports it next to the field."""
    match = _DMY.match(text)
    if match:
        day, month, year = (int(g) for g in match.groups())
        try:
            return date(year, month, day).isoformat()
        except ValueError:
            return text.strip()
    return text.strip()
