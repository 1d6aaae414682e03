"""Filling an e-form with as little typing as possible: every value the system already knows
— from the population registry, the citizen's account, or their earlier dossiers (the personal
data store) — is prefilled and marked with where it came from.

Known values are keyed by whose data they are and what they mean (`Field.about`, e.g.
("applicant.father", "full_name")), never by a field's name: "father_full_name" on a birth
registration is the child's father — the citizen himself — and must not come back as the
citizen's own father on his judicial-record form. Only the applicant's own data and their
parents' and spouse's (`CARRIED_SUBJECTS`) are reused; the account speaks only of the
applicant.

The population registry speaks of the applicant and of the people it links to them: their
father, mother and spouse (name and personal ID, from the applicant's own record) and the head
of their household. The spouse's own particulars come from the spouse's record, looked up
through the registry (audited, purpose "apply_prefill_spouse") only when the form asks about a
child's parents: in a birth registration filed by a parent, the other parent is the spouse
(Luật Hôn nhân và gia đình art. 88), and a child whose parents are both Vietnamese is
Vietnamese (Luật Quốc tịch art. 15) and of their ethnicity when they share one (Bộ luật Dân sự
art. 29). Nobody the registry does not link to the applicant is looked up or guessed.

A field whose schema declares a `default` (the law's or the overwhelmingly common answer, such
as one copy) starts with it, marked as such.

An organisation applying (its director, or whoever files for it) is known by its enterprise
code: the field (`enterprise`, `enterprise_code`) carries it, and the business registry fills
the fields (`enterprise`, `name` | `address` | `legal_representative`). An enterprise's data
comes only from the registry, for the code typed in this dossier — never from the data store,
since one citizen may file for several organisations.

The other party of a marriage registration (`partner`) is nobody the registry links to the
applicant yet. Both parties' particulars are on the form (Luật Hộ tịch art. 18), so the
applicant types the partner's personal ID and full name, and when the registry's record of
that ID bears that name, it fills the partner's birth date, ethnicity, nationality and
residence (audited, purpose "apply_prefill_partner"). The name must match so that a personal
ID alone reveals nobody's particulars; a mismatch and an unknown ID get the same answer."""

from __future__ import annotations

import logging
import re
import unicodedata
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import timezone
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
from motcua.core.audit import audit_record
from motcua.core.errors import ValidationFailed
from motcua.core.ids import personal_id_parse
from motcua.core.models import AuditEvent
from motcua.directory.models import User
from motcua.dossiers.models import Dossier, State
from motcua.integration.business import Enterprise, business_registry, enterprise_code_parse
from motcua.integration.registry import (
    RegistryPerson,
    RegistryUnavailable,
    population_registry,
)

logger = logging.getLogger(__name__)

REGISTRY, ACCOUNT, STORE, BUSINESS = "registry", "user", "store", "business"
DEFAULT = "default"
# A birth registration's parents, and what the applicant answers about the child.
CHILD, CHILD_FATHER, CHILD_MOTHER = "child", "child.father", "child.mother"
CHILD_RELATIONSHIP = (CHILD, "applicant_relationship")
VIETNAM = "Việt Nam"
# The subject of an e-form's fields about the organisation applying, known by its code.
ENTERPRISE = "enterprise"
ENTERPRISE_CODE = (ENTERPRISE, "enterprise_code")
# How many earlier dossiers the data store reads; the most recent hold the freshest answers.
STORE_DEPTH = 50
# The other party of a marriage, looked up by the personal ID and name the applicant types.
PARTNER = "partner"
PARTNER_ID, PARTNER_NAME = (PARTNER, "personal_id"), (PARTNER, "full_name")
PARTNER_LOOKUP_EVENT = "registry.partner_lookup"
# Subject → the look-up the apply page's script asks (URL name) and {meaning: query
# parameter} of the fields typed for it; the rest of the subject's fields are what it fills.
LOOKUPS: dict[str, tuple[str, dict[str, str]]] = {
    ENTERPRISE: ("portal:business_lookup", {"enterprise_code": "ma"}),
    PARTNER: ("portal:partner_lookup", {"personal_id": "so", "full_name": "ten"}),
}
# (subject, meaning), e.g. ("applicant.mother", "full_name").
About = tuple[str, str]


def source_label(kind: str) -> str:
    return {
        REGISTRY: _("Đã điền sẵn từ CSDL quốc gia về dân cư"),
        ACCOUNT: _("Đã điền sẵn từ tài khoản của bạn"),
        STORE: _("Đã điền sẵn từ hồ sơ trước"),
        BUSINESS: _("Đã điền sẵn từ CSDL quốc gia về đăng ký doanh nghiệp"),
        DEFAULT: _("Giá trị thường dùng, sửa nếu cần"),
    }[kind]


@dataclass(frozen=True)
class Known:
    value: Any
    kind: str  # REGISTRY, ACCOUNT, STORE, BUSINESS or DEFAULT
    # Found through what the applicant typed in this form (an enterprise code, a partner's ID
    # and name): filled into empty fields of a posted form too, since without JavaScript
    # saving the draft is how those values come.
    looked_up: bool = False


def registry_person(user: User) -> RegistryPerson | None:
    """The signed-in citizen in the population registry, or None (unknown, or unreachable:
    the form then simply has less prefilled)."""
    return registry_person_lookup(user)[0]


def registry_person_lookup(user: User) -> tuple[RegistryPerson | None, bool]:
    """The signed-in citizen in the population registry (or None), and whether the registry
    could not be asked now — the page then says so, and the citizen types their
    particulars; the dossier is simply not registry-verified."""
    if not user.personal_id:
        return None, False
    try:
        person = population_registry().lookup(user.personal_id, actor=user, purpose="apply_prefill")
    except RegistryUnavailable:
        logger.warning("population registry unavailable for an applicant")
        return None, True
    except Exception as error:  # a connector's failure must never stop an application
        # Only the class: an exception's text may hold a URL or the ID.
        logger.warning(
            "population registry lookup failed for an applicant",
            extra={"error": type(error).__name__},
        )
        return None, True
    return person, False


def needs_spouse(fields: Iterable[Field], answers: Mapping[str, Any] | None = None) -> bool:
    """Does the form ask about a child's parents (where the spouse's record helps), and has
    the applicant not answered that they are someone other than a parent?"""
    fields = list(fields)
    if not any(
        field.about is not None and field.about[0] in (CHILD_FATHER, CHILD_MOTHER)
        for field in fields
    ):
        return False
    return _relationship_answer(fields, answers or {}) in (None, "cha", "mẹ")


def registry_spouse(user: User, person: RegistryPerson | None) -> RegistryPerson | None:
    """The spouse's registry record, when the applicant's record links one and the spouse's
    record links back; None otherwise, and when the registry cannot be asked (the parent's
    fields are then typed, as before)."""
    if person is None or person.spouse is None:
        return None
    try:
        spouse = population_registry().lookup(
            person.spouse.personal_id, actor=user, purpose="apply_prefill_spouse"
        )
    except Exception as error:  # RegistryUnavailable or a connector's failure: less prefilled
        logger.warning(
            "population registry lookup of a spouse failed", extra={"error": type(error).__name__}
        )
        return None
    if spouse is None or spouse.spouse is None or spouse.spouse.personal_id != person.personal_id:
        return None
    return spouse


@dataclass(frozen=True)
class EnterpriseLookup:
    """What the business registry said of a code: the enterprise, or why not — the code's
    form is wrong or it is not registered (`error`), or the registry cannot be asked now
    (`down`: the applicant types the organisation's particulars)."""

    code: str = ""
    enterprise: Enterprise | None = None
    error: str = ""
    invalid: bool = False  # the code is not 10 or 13 digits (else: not registered)
    down: bool = False


def enterprise_lookup(code: str, *, user: User | None) -> EnterpriseLookup:
    """The business registry asked about one code (the HTTP connector audits each look-up)."""
    try:
        code = enterprise_code_parse(code)
    except ValidationFailed as error:
        return EnterpriseLookup(code=(code or "").strip()[:32], error=error.message, invalid=True)
    try:
        enterprise = business_registry().lookup(code, actor=user, purpose="apply_prefill")
    except RegistryUnavailable:
        logger.warning("business registry unavailable for an applicant")
        return EnterpriseLookup(code=code, down=True)
    except Exception as error:  # a connector's failure must never stop an application
        logger.warning(
            "business registry lookup failed for an applicant",
            extra={"error": type(error).__name__},
        )
        return EnterpriseLookup(code=code, down=True)
    if enterprise is None:
        return EnterpriseLookup(
            code=code,
            error=_(
                "Mã số doanh nghiệp %(code)s không có trong CSDL quốc gia về đăng ký doanh "
                "nghiệp. Hãy kiểm tra lại mã số, hoặc tự điền thông tin doanh nghiệp."
            )
            % {"code": code},
        )
    return EnterpriseLookup(code=code, enterprise=enterprise)


def enterprise_of_answers(
    fields: Iterable[Field], answers: Mapping[str, Any], *, user: User | None
) -> EnterpriseLookup:
    """The enterprise whose code the answers (posted, or a saved draft's) carry; nothing
    asked when the form has no enterprise-code field or it is empty."""
    for field in fields:
        if field.about == ENTERPRISE_CODE:
            code = str(answers.get(field.name) or "").strip()
            return enterprise_lookup(code, user=user) if code else EnterpriseLookup()
    return EnterpriseLookup()


def enterprise_values(enterprise: Enterprise | None) -> dict[About, str]:
    """(enterprise, meaning) → what the business registry holds. The code itself is what the
    applicant typed, so it is not offered as prefilled."""
    if enterprise is None:
        return {}
    return {
        (ENTERPRISE, "name"): enterprise.name,
        (ENTERPRISE, "address"): enterprise.address,
        (ENTERPRISE, "legal_representative"): enterprise.legal_representative,
        (ENTERPRISE, "legal_representative_title"): enterprise.legal_representative_title,
    }


@dataclass(frozen=True)
class PartnerLookup:
    """What the population registry said of the partner the applicant typed: their record,
    or why not — the ID's form is wrong, or no record with that ID bears that name
    (`error`), or the registry cannot be asked now (`down`: the applicant types the rest)."""

    person: RegistryPerson | None = None
    error: str = ""
    invalid: bool = False
    down: bool = False
    limited: bool = False  # the account's look-ups of the day are spent


def _name_key(name: str) -> str:
    return " ".join(unicodedata.normalize("NFC", name).casefold().split())


def partner_lookup(personal_id: str, full_name: str, *, user: User | None) -> PartnerLookup:
    """The registry asked about the partner whose personal ID and name were typed."""
    try:
        personal_id = personal_id_parse(personal_id).number
    except ValidationFailed as error:
        return PartnerLookup(error=error.message, invalid=True)
    if len(_name_key(full_name or "")) < 2:
        return PartnerLookup(
            error=_("Hãy nhập họ, chữ đệm và tên của người kết hôn cùng."), invalid=True
        )
    if user is not None and personal_id == user.personal_id:
        return PartnerLookup(
            error=_("Số định danh của người kết hôn cùng không thể là số của chính bạn."),
            invalid=True,
        )
    if user is not None and user.pk is not None:
        # Each found record shows another person's address: a day's allowance per account,
        # each look-up recorded (who, and whether a record answered; never whom).
        today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
        done = AuditEvent.objects.filter(
            actor=user, action=PARTNER_LOOKUP_EVENT, at__gte=today
        ).count()
        if done >= settings.MOTCUA_PARTNER_LOOKUPS_PER_DAY:
            return PartnerLookup(
                error=_(
                    "Bạn đã tra cứu người kết hôn cùng %(n)d lần hôm nay. Hãy tự điền thông tin "
                    "người kết hôn cùng, hoặc tra cứu lại vào ngày mai."
                )
                % {"n": done},
                limited=True,
            )
    found = _partner_record(personal_id, full_name, user=user)
    if user is not None and user.pk is not None and not found.down:
        audit_record(
            actor=user,
            action=PARTNER_LOOKUP_EVENT,
            object_type="registry",
            data={"found": found.person is not None},
        )
    return found


def _partner_record(personal_id: str, full_name: str, *, user: User | None) -> PartnerLookup:
    try:
        person = population_registry().lookup(
            personal_id, actor=user, purpose="apply_prefill_partner"
        )
    except Exception as error:  # RegistryUnavailable or a connector's failure: typed by hand
        logger.warning(
            "population registry lookup of a partner failed",
            extra={"error": type(error).__name__},
        )
        return PartnerLookup(down=True)
    if person is None or _name_key(person.full_name) != _name_key(full_name):
        return PartnerLookup(
            error=_(
                "Không tìm thấy trong CSDL quốc gia về dân cư người có số định danh và họ tên "
                "này. Hãy kiểm tra lại, hoặc tự điền thông tin người kết hôn cùng."
            )
        )
    return PartnerLookup(person=person)


def partner_of_answers(
    fields: Iterable[Field], answers: Mapping[str, Any], *, user: User | None
) -> PartnerLookup:
    """The partner whose ID and name the answers (posted, or a saved draft's) carry; nothing
    asked when the form has no such fields or either is empty."""
    by_about = {field.about: field.name for field in fields if field.about is not None}
    if PARTNER_ID not in by_about or PARTNER_NAME not in by_about:
        return PartnerLookup()
    personal_id = str(answers.get(by_about[PARTNER_ID]) or "").strip()
    full_name = str(answers.get(by_about[PARTNER_NAME]) or "").strip()
    if not personal_id or not full_name:
        return PartnerLookup()
    return partner_lookup(personal_id, full_name, user=user)


def partner_values(person: RegistryPerson | None) -> dict[About, Any]:
    """(partner, meaning) → the registry's record of the partner. The ID and name are what
    the applicant typed, so they are not offered as prefilled."""
    if person is None:
        return {}
    return {
        (PARTNER, "birth_date"): person.birth_date.isoformat(),
        (PARTNER, "ethnicity"): person.ethnicity,
        (PARTNER, "nationality"): person.nationality,
        (PARTNER, "residence"): person.permanent_address,
    }


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


def registry_values(person: RegistryPerson | None) -> dict[About, Any]:
    """(subject, meaning) → what the applicant's registry record holds: their own data and
    the names and IDs of the people it links to them."""
    if person is None:
        return {}
    values: dict[About, Any] = {
        (APPLICANT, "full_name"): person.full_name,
        (APPLICANT, "birth_date"): person.birth_date.isoformat(),
        (APPLICANT, "sex"): person.sex,
        (APPLICANT, "permanent_address"): person.permanent_address,
        (APPLICANT, "ethnicity"): person.ethnicity,
        (APPLICANT, "nationality"): person.nationality,
        (APPLICANT, "current_residence"): person.current_residence,
        (APPLICANT, "household_relationship"): person.household_relationship,
    }
    links = (
        ("applicant.father", person.father),
        ("applicant.mother", person.mother),
        ("applicant.spouse", person.spouse),
        ("applicant.household_head", person.household_head),
    )
    for subject, relative in links:
        if relative is not None:
            values[(subject, "full_name")] = relative.full_name
            values[(subject, "personal_id")] = relative.personal_id
    return values


def _parent_values(subject: str, person: RegistryPerson) -> dict[About, Any]:
    return {
        (subject, "full_name"): person.full_name,
        (subject, "birth_date"): person.birth_date.isoformat(),
        (subject, "personal_id"): person.personal_id,
        (subject, "ethnicity"): person.ethnicity,
        (subject, "nationality"): person.nationality,
        (subject, "residence"): person.permanent_address,
    }


def child_parent_values(
    person: RegistryPerson | None,
    spouse: RegistryPerson | None,
    relationship: str | None,
) -> dict[About, Any]:
    """A birth registration's parents from the registry, when the applicant is one of them:
    `relationship` is their answer ("cha", "mẹ", …), or None before they answer — a parent is
    then presumed by sex, as parents are who register a birth (Luật Hộ tịch art. 15). The
    spouse (`registry_spouse`) is the other parent; the child's nationality and ethnicity
    follow from both parents' records where the law fixes them."""
    if person is None:
        return {}
    if relationship is None:
        relationship = {"nam": "cha", "nữ": "mẹ"}.get(person.sex, "")
    if relationship not in ("cha", "mẹ"):
        return {}
    own, other = (
        (CHILD_FATHER, CHILD_MOTHER) if relationship == "cha" else (CHILD_MOTHER, CHILD_FATHER)
    )
    values = _parent_values(own, person)
    if spouse is None:
        return values
    values.update(_parent_values(other, spouse))
    if person.nationality == spouse.nationality == VIETNAM:
        values[(CHILD, "nationality")] = VIETNAM
    if person.ethnicity and person.ethnicity == spouse.ethnicity:
        values[(CHILD, "ethnicity")] = person.ethnicity
    return values


def _relationship_answer(fields: Iterable[Field], answers: Mapping[str, Any]) -> str | None:
    for field in fields:
        if field.about == CHILD_RELATIONSHIP:
            value = answers.get(field.name)
            return str(value) if value not in ("", None) else None
    return None


def known_values(
    fields: Iterable[Field],
    *,
    person: RegistryPerson | None,
    user: User | None,
    store: Mapping[About, Any],
    enterprise: Enterprise | None = None,
    spouse: RegistryPerson | None = None,
    partner: RegistryPerson | None = None,
    answers: Mapping[str, Any] | None = None,
) -> dict[str, Known]:
    """Field name → the first source that knows this field's subject and meaning: the
    registry (the applicant, the people their record links to them, and in a birth
    registration the child's parents — `child_parent_values`), then the account (only about
    the applicant), then the citizen's earlier declarations, then the form's declared
    default; an organisation's fields from the business registry's record of the enterprise
    whose code was typed, and a marriage partner's from the registry's record of the partner
    whose ID and name were typed (`partner_lookup`). `answers`: what the citizen has answered
    so far (a posted form or a draft), read only for their relationship to the child. Pure, so
    the typing benchmark runs exactly this logic."""
    fields = list(fields)
    registry = registry_values(person)
    presumed: dict[About, str] = {}
    if needs_spouse(fields, answers):
        relationship = _relationship_answer(fields, answers or {})
        registry.update(child_parent_values(person, spouse, relationship))
        parent = {"nam": "cha", "nữ": "mẹ"}.get(person.sex) if person is not None else None
        if relationship is None and parent:
            # The parents' fields are filled presuming a parent applies, so the form says
            # which one, for the citizen to change.
            presumed[CHILD_RELATIONSHIP] = parent
    account: dict[About, Any] = (
        {
            (APPLICANT, "personal_id"): user.personal_id or "",
            (APPLICANT, "email"): user.email,
            (APPLICANT, "phone"): user.phone,
        }
        if user
        else {}
    )
    business = enterprise_values(enterprise)
    looked_up = partner_values(partner)
    result: dict[str, Known] = {}
    for field in fields:
        if field.about is not None and field.about in business:
            value = business[field.about]
            # A title the form's list does not hold stays for the applicant to choose.
            if value and _fits(field, value):
                result[field.name] = Known(value=value, kind=BUSINESS, looked_up=True)
            continue
        if field.about is not None and field.about in looked_up:
            value = looked_up[field.about]
            if value and _fits(field, value):
                result[field.name] = Known(value=value, kind=REGISTRY, looked_up=True)
            continue
        if field.about in presumed and _fits(field, presumed[field.about]):
            result[field.name] = Known(value=presumed[field.about], kind=DEFAULT)
            continue
        # The registry speaks of this applicant's own people, whatever the subject; the
        # account and the data store only of the subjects carried from dossier to dossier.
        pools = ((registry, REGISTRY),) + (
            ((account, ACCOUNT), (store, STORE)) if field.carried else ()
        )
        if field.about is not None:
            hit = next(
                (
                    Known(value=pool[field.about], kind=label)
                    for pool, label in pools
                    if pool.get(field.about) not in ("", None) and _fits(field, pool[field.about])
                ),
                None,
            )
            if hit is not None:
                result[field.name] = hit
                continue
        default = field.schema.get("default")
        if default not in ("", None) and _fits(field, default):
            result[field.name] = Known(value=default, kind=DEFAULT)
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
    lookup: str = ""  # "subject:meaning" of a field a registry look-up reads or fills
    lookup_key: str = ""  # the look-up's query parameter, for a field typed for it
    lookup_url: str = ""  # on the last typed field: the look-up its script asks

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
    citizen kept, and still marks the answers that are what the system knew. Values looked up
    from what was typed in this form (an organisation's particulars, a marriage partner's)
    fill the empty fields of a posted or saved form too: without JavaScript, "Lưu nháp" after
    typing the code or the ID is how they come."""
    views, section = [], None
    last_key = {
        field.about[0]: field.name
        for field in fields
        if field.about is not None
        and field.about[0] in LOOKUPS
        and field.about[1] in LOOKUPS[field.about[0]][1]
    }
    for field in fields:
        hit = known.get(field.name)
        value = answers.get(field.name)
        if value is None and hit is not None and (use_known or hit.looked_up):
            value = hit.value
        prefilled = source_label(hit.kind) if hit is not None and value == hit.value else ""
        view = FieldView(
            field=field,
            value=_display(field, value),
            checked=value is True,
            error=errors.get(field.name, ""),
            prefilled=prefilled,
            new_section=field.section != section,
        )
        if field.about is not None and field.about[0] in LOOKUPS:
            subject, meaning = field.about
            url, keys = LOOKUPS[subject]
            view.lookup = f"{subject}:{meaning}"
            view.lookup_key = keys.get(meaning, "")
            view.lookup_url = url if last_key.get(subject) == field.name else ""
        views.append(view)
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
