"""E-forms (domain.md §4): a procedure's declaration as JSON Schema (draft 2020-12) plus UI
hints. This module checks a definition, builds the generic form, and validates a citizen's
answers with Vietnamese messages; where a value can be prefilled from is read by the portal.

Format (`Procedure.eform`)::

    {"title": "Tờ khai …",
     "schema": {"$schema": "https://json-schema.org/draft/2020-12/schema", "type": "object",
                "properties": {…}, "required": […]},
     "ui": {"order": ["field", …],
            "fields": {"field": {"label", "widget", "help", "section", "choices",
                                 "pattern_hint", "source": "registry.full_name" | [ … ]}},
            "covers_documents": [1]}}

`covers_documents` names the positions of required documents that the filled e-form replaces
(the paper declaration), so the citizen is not asked to upload them.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from typing import Any

from django.utils.translation import gettext as _
from jsonschema import Draft202012Validator
from jsonschema.exceptions import SchemaError

SCHEMA_DIALECT = "https://json-schema.org/draft/2020-12/schema"
WIDGETS = frozenset(
    {"text", "textarea", "date", "select", "radio", "number", "email", "tel", "checkbox"}
)
REGISTRY_KEYS = frozenset({"full_name", "birth_date", "sex", "permanent_address"})
USER_KEYS = frozenset({"personal_id", "email", "phone"})
_STORE_KEY = re.compile(r"^[a-z][a-z0-9_]{0,63}$")
# Longest answer kept for a free-text field: a declaration is not a document store.
MAX_TEXT = 2000


def source_valid(source: Any) -> bool:
    if not isinstance(source, str) or "." not in source:
        return False
    kind, key = source.split(".", 1)
    return (
        (kind == "registry" and key in REGISTRY_KEYS)
        or (kind == "user" and key in USER_KEYS)
        or (kind == "store" and bool(_STORE_KEY.match(key)))
    )


def sources_of(hint: dict[str, Any]) -> list[str]:
    """A field's prefill sources, best first (`source` may be one string or a list)."""
    source = hint.get("source")
    if source is None:
        return []
    return [source] if isinstance(source, str) else list(source)


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
        source = hint.get("source")
        if source is not None and (
            not isinstance(source, (str, list))
            or not sources_of(hint)
            or not all(source_valid(s) for s in sources_of(hint))
        ):
            problems.append(
                (
                    f"{where}.source",
                    _(
                        "nguồn không hợp lệ: dùng registry.full_name|birth_date|sex|"
                        "permanent_address, user.personal_id|email|phone hoặc store.<khóa>"
                    ),
                )
            )
        choices = hint.get("choices")
        if choices is not None and not (
            isinstance(choices, dict) and all(isinstance(v, str) for v in choices.values())
        ):
            problems.append((f"{where}.choices", _("phải là đối tượng giá trị → nhãn")))
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
        "applicant_full_name": ("Họ, chữ đệm và tên người nộp", "text", "registry.full_name"),
        "applicant_birth_date": ("Ngày, tháng, năm sinh", "date", "registry.birth_date"),
        "applicant_sex": ("Giới tính", "radio", "registry.sex"),
        "applicant_personal_id": ("Số định danh cá nhân", "text", "user.personal_id"),
        "applicant_address": ("Nơi thường trú", "text", "registry.permanent_address"),
        "applicant_phone": ("Số điện thoại", "tel", "user.phone"),
        "applicant_email": ("Thư điện tử", "email", "user.email"),
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
        name: {"label": label, "widget": widget, "source": source, "section": "Người nộp hồ sơ"}
        for name, (label, widget, source) in fields.items()
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
    sources: list[str]


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
                sources=sources_of(hint),
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


def eform_errors(eform: dict[str, Any], data: dict[str, Any]) -> dict[str, str]:
    """Field name → the first Vietnamese message for it; "" holds form-wide problems."""
    fields = {f.name: f for f in eform_fields(eform)}
    hints = eform.get("ui", {}).get("fields", {})
    validator = Draft202012Validator(
        eform["schema"], format_checker=Draft202012Validator.FORMAT_CHECKER
    )
    errors: dict[str, str] = {}
    for error in sorted(validator.iter_errors(data), key=lambda e: list(e.path)):
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
