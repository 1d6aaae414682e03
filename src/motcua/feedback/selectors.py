"""Who may handle which petitions, and the reads the pages make.

The rule (domain.md §1, applied to petitions): an officer answers the petitions of an agency
where they hold a handling role — reception, specialist or approver — and a leader answers
for their agency and every agency below it, as they read its dossiers. An `admin` role
manages configuration and does not answer citizens. Anyone else meets NotFound, the same
whether the petition exists or not.
"""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db.models import QuerySet
from django.utils.translation import gettext as _

from motcua.core.audit import audit_record
from motcua.core.calendar import working_calendar
from motcua.core.errors import NotFound
from motcua.core.worktime import HOURS_PER_DAY, WorkingCalendar
from motcua.directory.models import Role, User
from motcua.directory.selectors import agency_subtree_ids, user_roles
from motcua.feedback.models import Petition, PetitionPhoto, PetitionState

HANDLING_ROLES = frozenset({Role.RECEPTION, Role.SPECIALIST, Role.APPROVER})
DUE_SOON = timedelta(hours=HOURS_PER_DAY)  # one working day
# What a list row of petitions shows (the citizen's list, the officers' queue).
_LIST_FIELDS = (
    "reference",
    "kind",
    "subject",
    "state",
    "created_at",
    "due_at",
    "answered_at",
    "rating",
    "agency__name",
)


def petition_handler_agency_ids(user: User | None) -> set[int]:
    roles = user_roles(user)
    direct = {agency for agency, role in roles if role in HANDLING_ROLES}
    led = {agency for agency, role in roles if role == Role.LEADER}
    return direct | (agency_subtree_ids(led) if led else set())


def petition_get_for_staff(user: User, reference: str, *, audit: bool = True) -> Petition:
    """The petition when `user` may handle it; the read is audited (it holds personal data)."""
    ids = petition_handler_agency_ids(user)
    petition = (
        Petition.objects.select_related("agency", "citizen", "dossier", "answered_by")
        .filter(reference=reference[:32], agency_id__in=ids)
        .first()
        if ids
        else None
    )
    if petition is None:
        raise NotFound(_("Không tìm thấy phản ánh, kiến nghị %(ref)s.") % {"ref": reference[:32]})
    if audit:
        petition_read_audit(user, petition)
    return petition


def petition_read_audit(user: User, petition: Petition) -> None:
    """Records that `user` was shown the petition's personal data (§10)."""
    audit_record(actor=user, action="petition.read", object_type="petition", object_id=petition.pk)


def petition_photo(petition: Petition, photo_id: int) -> PetitionPhoto:
    """One photo of a petition already read with its reader's rights; another petition's
    photo is 'not found'."""
    photo = PetitionPhoto.objects.filter(petition=petition, pk=photo_id).first()
    if photo is None:
        raise NotFound(_("Không tìm thấy ảnh này của phản ánh, kiến nghị."))
    return photo


def petition_get_for_owner(user: User, reference: str) -> Petition:
    petition = (
        Petition.objects.select_related("agency", "dossier")
        .filter(reference=reference[:32], citizen=user)
        .first()
        if user.is_authenticated
        else None
    )
    if petition is None:
        raise NotFound(
            _("Không tìm thấy phản ánh, kiến nghị %(ref)s trong danh sách của bạn.")
            % {"ref": reference[:32]}
        )
    return petition


def my_petitions(user: User) -> QuerySet[Petition]:
    return (
        Petition.objects.filter(citizen=user)
        .select_related("agency")
        .only(*_LIST_FIELDS)
        .order_by("-created_at", "-id")
    )


def petition_queue(user: User, *, open_only: bool = True) -> QuerySet[Petition]:
    """Open petitions first by the nearest deadline; closed ones, newest reply first."""
    queryset = Petition.objects.filter(agency_id__in=petition_handler_agency_ids(user))
    queryset = queryset.select_related("agency").only(*_LIST_FIELDS, "agency__office_hours")
    if open_only:
        return queryset.filter(state=PetitionState.RECEIVED).order_by("due_at", "id")
    return queryset.exclude(state=PetitionState.RECEIVED).order_by("-answered_at", "-id")


def public_petitions() -> QuerySet[Petition]:
    """Answers the answering officer published, which needs the sender's consent (a database
    constraint): subject and answer only — no sender, no reference, no dossier, and not the
    content, which people fill with their own details (§10)."""
    return (
        Petition.objects.filter(answer_published=True)
        .select_related("agency")
        .only(
            "kind",
            "subject",
            "answer",
            "created_at",
            "answered_at",
            "agency__name",
        )
        .order_by("-answered_at", "-id")
    )


class Calendars:
    """One calendar per office hours for a page (each costs a query for the overrides)."""

    def __init__(self) -> None:
        self._by_hours: dict[str, WorkingCalendar] = {}

    def __call__(self, office_hours: str) -> WorkingCalendar:
        if office_hours not in self._by_hours:
            self._by_hours[office_hours] = working_calendar(office_hours)
        return self._by_hours[office_hours]


def deadline_mark(petition: Petition, now: datetime, calendars: Calendars) -> dict[str, Any]:
    """overdue / due within one working day / on time, as a key and words (never colour
    alone), with the working time left."""
    if petition.state != PetitionState.RECEIVED:
        late = petition.answered_at is not None and petition.answered_at > petition.due_at
        return {
            "key": "late" if late else "done",
            "label": _("Trả lời quá hạn") if late else _("Trả lời đúng hạn"),
        }
    if now > petition.due_at:
        return {"key": "overdue", "label": _("Quá hạn")}
    left = calendars(petition.agency.office_hours).between(now, petition.due_at)
    if left <= DUE_SOON:
        return {"key": "due_soon", "label": _("Sắp đến hạn (còn dưới 1 ngày làm việc)")}
    return {"key": "on_time", "label": _("Trong hạn")}
