"""Filling an e-form with as little typing as possible: every value the system already knows
— from the population registry, the citizen's account, or their earlier dossiers (the personal
data store) — is prefilled and marked with where it came from."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from motcua.catalog.eforms import MAX_TEXT, Field, date_display, date_parse, eform_fields
from motcua.directory.models import User
from motcua.dossiers.models import Dossier, State
from motcua.integration.registry import RegistryPerson, population_registry

logger = logging.getLogger(__name__)

REGISTRY, ACCOUNT, STORE = "registry", "user", "store"
# How many earlier dossiers the data store reads; the most recent hold the freshest answers.
STORE_DEPTH = 50


def source_label(kind: str) -> str:
    return {
        REGISTRY: _("Đã điền sẵn từ CSDL quốc gia về dân cư"),
        ACCOUNT: _("Đã điền sẵn từ tài khoản của bạn"),
        STORE: _("Đã điền sẵn từ hồ sơ trước"),
    }[kind]


@dataclass(frozen=True)
class Known:
    value: Any
    kind: str  # REGISTRY, ACCOUNT or STORE


def registry_person(user: User) -> RegistryPerson | None:
    """The signed-in citizen in the population registry, or None (unknown, or unreachable:
    the form then simply has less prefilled)."""
    if not user.personal_id:
        return None
    try:
        return population_registry().lookup(user.personal_id)
    except Exception:  # a remote connector's failure must never stop an application
        logger.warning("population registry lookup failed for an applicant")
        return None


def store_answers(user: User, *, exclude: int | None = None) -> dict[str, Any]:
    """Key → the most recent answer in the citizen's earlier dossiers' declarations. Drafts
    are left out: a half-typed, abandoned draft is not data the citizen stands by."""
    queryset = Dossier.objects.filter(applicant=user).exclude(state=State.DRAFT)
    if exclude is not None:
        queryset = queryset.exclude(pk=exclude)
    rows = queryset.order_by("-created_at", "-id").values_list("form_data", flat=True)[:STORE_DEPTH]
    answers: dict[str, Any] = {}
    for form_data in rows:
        for key, value in (form_data or {}).items():
            if value not in ("", None) and key not in answers:
                answers[key] = value
    return answers


def known_values(
    fields: Iterable[Field],
    *,
    person: RegistryPerson | None,
    user: User | None,
    store: Mapping[str, Any],
) -> dict[str, Known]:
    """Field name → the first of its sources that has a value. Pure, so the typing benchmark
    runs exactly this logic."""
    registry = (
        {
            "full_name": person.full_name,
            "birth_date": person.birth_date.isoformat(),
            "sex": person.sex,
            "permanent_address": person.permanent_address,
        }
        if person
        else {}
    )
    account = (
        {"personal_id": user.personal_id or "", "email": user.email, "phone": user.phone}
        if user
        else {}
    )
    pools = {"registry": (registry, REGISTRY), "user": (account, ACCOUNT), "store": (store, STORE)}
    result: dict[str, Known] = {}
    for field in fields:
        for source in field.sources:
            kind, key = source.split(".", 1)
            pool, label = pools[kind]
            value = pool.get(key)
            if value not in ("", None) and _fits(field, value):
                result[field.name] = Known(value=value, kind=label)
                break
    return result


def _fits(field: Field, value: Any) -> bool:
    """A stored answer is offered only where it is a legal value of this field (an earlier
    form may have had other choices)."""
    choices = field.schema.get("enum")
    return choices is None or value in choices


def answers_from_post(fields: Iterable[Field], post: Mapping[str, str]) -> dict[str, Any]:
    """Typed answers from the submitted form: dates dd/mm/yyyy → ISO, numbers as numbers when
    they read as such (otherwise kept as typed so the schema names the problem), empty
    answers left out so `required` reports them."""
    answers: dict[str, Any] = {}
    for field in fields:
        kind = field.schema.get("type")
        if kind == "boolean":
            if post.get(field.name):
                answers[field.name] = True
            continue
        raw = str(post.get(field.name, "")).replace("\x00", "").strip()[:MAX_TEXT]
        if not raw:
            continue
        if field.widget == "date" or field.schema.get("format") == "date":
            answers[field.name] = date_parse(raw)
        elif kind in ("integer", "number"):
            answers[field.name] = _number(raw, integer=kind == "integer")
        else:
            answers[field.name] = raw
    return answers


_GROUPED = re.compile(r"-?\d{1,3}([.,]\d{3})+")


def _number(raw: str, *, integer: bool) -> Any:
    """Vietnamese writing: `1.000.000` is a million and `120,5` is a decimal; `120.5` is
    read as a decimal too. Anything else (and `nan`, `inf`) is kept as typed."""
    text = raw.replace(" ", "")
    if integer:
        if _GROUPED.fullmatch(text):
            text = text.replace(".", "").replace(",", "")
        return int(text) if re.fullmatch(r"-?\d+", text) else raw
    if _GROUPED.fullmatch(text) and "." in text:
        text = text.replace(".", "")
    elif "," in text:
        text = text.replace(".", "").replace(",", ".")
    if not re.fullmatch(r"-?\d+(\.\d+)?", text):
        return raw
    number = float(text)
    return int(number) if number.is_integer() else number


@dataclass
class FieldView:
    """One field as the page draws it."""

    field: Field
    value: str
    checked: bool
    error: str
    prefilled: str  # the "filled from …" note, or ""
    new_section: bool

    @property
    def name(self) -> str:
        return self.field.name


def field_views(
    fields: list[Field],
    *,
    answers: Mapping[str, Any],
    known: Mapping[str, Known],
    errors: Mapping[str, str],
    use_known: bool,
) -> list[FieldView]:
    """`use_known`: a fresh form takes the known values; a posted or saved one shows what the
    citizen kept, and still marks the answers that are what the system knew."""
    views, section = [], None
    for field in fields:
        hit = known.get(field.name)
        value = answers.get(field.name)
        if value is None and use_known and hit is not None:
            value = hit.value
        prefilled = source_label(hit.kind) if hit is not None and value == hit.value else ""
        views.append(
            FieldView(
                field=field,
                value=_display(field, value),
                checked=value is True,
                error=errors.get(field.name, ""),
                prefilled=prefilled,
                new_section=field.section != section,
            )
        )
        section = field.section
    return views


def _display(field: Field, value: Any) -> str:
    if value is None or isinstance(value, bool):
        return ""
    if field.widget == "date" or field.schema.get("format") == "date":
        return date_display(value)
    return str(value)


def registry_used(known: Mapping[str, Known], answers: Mapping[str, Any]) -> bool:
    """The declaration keeps at least one value the population registry supplied (§7)."""
    return any(
        hit.kind == REGISTRY and answers.get(name) == hit.value for name, hit in known.items()
    )


def applicant_particulars(
    fields: Iterable[Field], answers: Mapping[str, Any], user: User, person: RegistryPerson | None
) -> dict[str, str]:
    """The dossier's applicant columns, taken from the fields bound to the applicant's own
    sources, else from the account and the registry."""

    def answer_for(source: str) -> str:
        for field in fields_list:
            if field.sources and field.sources[0] == source and answers.get(field.name):
                return str(answers[field.name])
        return ""

    fields_list = list(fields)
    return {
        "applicant_name": answer_for("registry.full_name")
        or (person.full_name if person else "")
        or user.full_name
        or user.username,
        "applicant_address": answer_for("registry.permanent_address")
        or (person.permanent_address if person else ""),
        "applicant_phone": (answer_for("user.phone") or user.phone)[:20],
        "applicant_email": answer_for("user.email") or user.email,
    }


def form_fields(eform: dict[str, Any]) -> list[Field]:
    return eform_fields(eform)
