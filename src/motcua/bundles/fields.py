"""One form for a whole bundle: the union of its members' e-form fields, a field that means
the same thing (the same `subject` and `meaning` in the e-form's ui) asked once.

Fields about the request itself (subject `request`: copies, the new address…) belong to their
own procedure and are never merged; nor are fields that say nothing of what they mean. A
merged field is drawn from its first member, required when any member requires it; each
member's answers are then read back under its own field names and checked against its own
schema (`member_answers`), the errors named by the union's field (`union_errors`)."""

from __future__ import annotations

from dataclasses import dataclass, replace
from typing import Any

from motcua.catalog.eforms import Field

REQUEST = "request"


@dataclass(frozen=True)
class BundleForm:
    fields: list[Field]
    # member key → (member's field name → the union's field name)
    names: dict[Any, dict[str, str]]


def _shared(field: Field) -> tuple[str, str] | None:
    if field.about is None or field.about[0] == REQUEST:
        return None
    return field.about


def bundle_form(members: list[tuple[Any, list[Field]]]) -> BundleForm:
    """`members`: (key, fields) in the bundle's order."""
    by_about: dict[tuple[str, str], str] = {}
    union: dict[str, Field] = {}
    names: dict[Any, dict[str, str]] = {}
    for index, (key, fields) in enumerate(members):
        own: dict[str, str] = {}
        for field in fields:
            about = _shared(field)
            if about is not None and about in by_about:
                name = by_about[about]
                if field.required and not union[name].required:
                    union[name] = replace(union[name], required=True)
            else:
                name = field.name if field.name not in union else f"m{index}_{field.name}"
                union[name] = replace(field, name=name)
                if about is not None:
                    by_about[about] = name
            own[field.name] = name
        names[key] = own
    # Grouped by section in the order sections first appear, so each section is drawn once.
    sections: dict[str, list[Field]] = {}
    for field in union.values():
        sections.setdefault(field.section, []).append(field)
    return BundleForm(fields=[f for group in sections.values() for f in group], names=names)


def member_answers(form: BundleForm, key: Any, answers: dict[str, Any]) -> dict[str, Any]:
    """A member's declaration, under its own field names, from the union's answers."""
    return {own: answers[union] for own, union in form.names[key].items() if union in answers}


def union_errors(form: BundleForm, key: Any, errors: dict[str, str]) -> dict[str, str]:
    """A member's e-form errors named by the union's fields."""
    return {form.names[key].get(name, name): message for name, message in errors.items()}
