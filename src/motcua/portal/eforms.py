"""Filling an e-form with as little typing as possible: every value the system already knows
— from the population registry, the citizen's account, or their earlier dossiers (the personal
data store) — is prefilled and marked with where it came from.

Known values are keyed by whose data they are and what they mean (`Field.about`, e.g.
("applicant.father", "full_name")), never by a field's name: "father_full_name" on a birth
registration is the child's father — the citizen himself — and must not come back as the
citizen's own father on his judicial-record form. Only the applicant's own data and their
parents' and spouse's (`CARRIED_SUBJECTS`) are reused; the registry and the account speak only
of the applicant."""

from __future__ import annotations

import logging
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from motcua.catalog.eforms import (
    APPLICANT,
    MAX_TEXT,
    Field,
    date_display,
    date_parse,
    eform_compiled,
    generic_eform,
)
from motcua.directory.models import User
from motcua.dossiers.models import Dossier, State
from motcua.integration.registry import RegistryPerson, population_registry

logger = logging.getLogger(__name__)

REGISTRY, ACCOUNT, STORE = "registry", "user", "store"
# How many earlier dossiers the data store reads; the most recent hold the freshest answers.
STORE_DEPTH = 50
# (subject, meaning), e.g. ("applicant.mother", "full_name").
About = tuple[str, str]


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


def answers_about(fields: Iterable[Field], form_data: Mapping[str, Any]) -> dict[About, Any]:
    """One declaration's answers that may be offered again, keyed by (subject, meaning): only
    fields that say whose data they hold, and only about the applicant and their own parents
    and spouse. A child's, a deceased person's or a partner's particulars stay in their
    dossier."""
    answers: dict[About, Any] = {}
    for field in fields:
        value = form_data.get(field.name)
        if field.carried and field.about is not None and value not in ("", None):
            answers.setdefault(field.about, value)
    return answers


def store_answers(user: User, *, exclude: int | None = None) -> dict[About, Any]:
    """(subject, meaning) → the most recent answer in the citizen's earlier dossiers'
    declarations, each read through its own procedure's e-form (which says whose data each of
    its fields holds). Drafts are left out: a half-typed, abandoned draft is not data the
    citizen stands by."""
    queryset = Dossier.objects.filter(applicant=user).exclude(state=State.DRAFT)
    if exclude is not None:
        queryset = queryset.exclude(pk=exclude)
    # The e-form rides along in the same query (a citizen's few dossiers, each procedure's
    # fields read once) rather than costing the page a second one.
    rows = queryset.order_by("-created_at", "-id").values_list(
        "form_data", "procedure_id", "procedure__eform"
    )[:STORE_DEPTH]
    forms: dict[int, list[Field]] = {}
    answers: dict[About, Any] = {}
    for form_data, procedure_id, eform in rows:
        if procedure_id not in forms:
            forms[procedure_id] = form_fields(eform or generic_eform())
        for about, value in answers_about(forms[procedure_id], form_data or {}).items():
            answers.setdefault(about, value)
    return answers


def known_values(
    fields: Iterable[Field],
    *,
    person: RegistryPerson | None,
    user: User | None,
    store: Mapping[About, Any],
) -> dict[str, Known]:
    """Field name → the first source that knows this field's subject and meaning: the
    registry, then the account (both only about the applicant), then the citizen's earlier
    declarations. Pure, so the typing benchmark runs exactly this logic."""
    registry: dict[About, Any] = (
        {
            (APPLICANT, "full_name"): person.full_name,
            (APPLICANT, "birth_date"): person.birth_date.isoformat(),
            (APPLICANT, "sex"): person.sex,
            (APPLICANT, "permanent_address"): person.permanent_address,
        }
        if person
        else {}
    )
    account: dict[About, Any] = (
        {
            (APPLICANT, "personal_id"): user.personal_id or "",
            (APPLICANT, "email"): user.email,
            (APPLICANT, "phone"): user.phone,
        }
        if user
        else {}
    )
    pools = ((registry, REGISTRY), (account, ACCOUNT), (store, STORE))
    result: dict[str, Known] = {}
    for field in fields:
        if not field.carried or field.about is None:
            continue
        for pool, label in pools:
            value = pool.get(field.about)
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
    """The dossier's applicant columns, taken from the fields that hold the applicant's own
    name, address, phone and e-mail, else from the account and the registry."""

    def answer_for(meaning: str) -> str:
        for field in fields_list:
            if field.about == (APPLICANT, meaning) and answers.get(field.name):
                return str(answers[field.name])
        return ""

    fields_list = list(fields)
    return {
        "applicant_name": answer_for("full_name")
        or (person.full_name if person else "")
        or user.full_name
        or user.username,
        "applicant_address": answer_for("permanent_address")
        or (person.permanent_address if person else ""),
        "applicant_phone": (answer_for("phone") or user.phone)[:20],
        "applicant_email": answer_for("email") or user.email,
    }


def form_fields(eform: dict[str, Any]) -> list[Field]:
    """The e-form's fields, built once per definition (`eform_compiled`)."""
    return list(eform_compiled(eform).fields)
