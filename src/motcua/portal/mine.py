"""Reads for a citizen's own dossiers ("Hồ sơ của tôi"): only dossiers whose applicant is the
signed-in account, and the events told in plain Vietnamese with what matters to them."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Q, QuerySet
from django.urls import NoReverseMatch, reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.core.errors import NotFound
from motcua.directory.models import User
from motcua.dossiers.letters import TITLES, letter_kinds
from motcua.dossiers.lifecycle import Action, allowed_actions
from motcua.dossiers.models import Dossier, DossierEvent, Rating, State
from motcua.dossiers.public import EVENT_TEXT, UPDATED

RATABLE = (State.RESULT_READY, State.RETURNED)
PAYABLE_CLOSED = (State.RETURNED, State.REFUSED, State.WITHDRAWN, State.CANCELLED)
EVENT_TEXT_OWNER = {
    **EVENT_TEXT,
    "create": "Bạn tạo hồ sơ",
    "submit": "Bạn nộp hồ sơ trực tuyến",
    "provide_supplement": "Đã nộp bổ sung hồ sơ",
    "withdraw": "Hồ sơ được rút theo yêu cầu",
    "rate": "Bạn đánh giá mức độ hài lòng",
    "form_save": "Bạn cập nhật tờ khai",
    "forward": "Hồ sơ được chuyển sang bước xử lý tiếp theo",
    "send_back": "Hồ sơ được trả lại bước xử lý trước",
}
SUPPLEMENT_STATES = (State.SUPPLEMENT_REQUESTED,)


def my_dossiers(user: User) -> QuerySet[Dossier]:
    """Newest first; one query with what the list shows."""
    return (
        Dossier.objects.filter(applicant=user)
        .select_related("procedure", "agency")
        .only(
            "reference",
            "code",
            "state",
            "created_at",
            "submitted_at",
            "due_at",
            "apology_appointment_at",
            "finished_at",
            "procedure__name",
            "procedure__code",
            "agency__name",
        )
        .order_by("-created_at", "-id")
    )


def dossier_get_for_owner(user: User, code: str) -> Dossier:
    """The dossier by code or reference when `user` is its applicant; otherwise NotFound,
    whether it exists or not (staff use their own pages, which audit their reads)."""
    code = code[:96]
    dossier = (
        Dossier.objects.select_related("procedure", "agency")
        .filter(applicant=user)
        .filter(Q(code=code) | Q(reference=code))
        .first()
        if user.is_authenticated
        else None
    )
    if dossier is None:
        raise NotFound(_("Không tìm thấy hồ sơ %(code)s trong hồ sơ của bạn.") % {"code": code})
    return dossier


def _moment(value: Any) -> datetime | None:
    if not value:
        return None
    try:
        moment = datetime.fromisoformat(str(value))
    except ValueError:
        return None
    return moment if moment.tzinfo is not None else None


def _details(event: DossierEvent) -> list[str]:
    """What the applicant needs from an event's payload, without officers' internal notes."""
    payload = event.payload or {}
    lines: list[str] = []
    if event.action == Action.REQUEST_SUPPLEMENT:
        lines += [_("Cần bổ sung: %(doc)s") % {"doc": m} for m in payload.get("missing", [])]
        due = _moment(payload.get("supplement_due_at"))
        if due:
            lines.append(_("Hạn nộp bổ sung: %(at)s") % {"at": _fmt(due)})
    elif event.action in (Action.REFUSE, Action.SUSPEND, Action.WITHDRAW):
        reason = payload.get("reason") or payload.get("reasons")
        if reason:
            text = "; ".join(reason) if isinstance(reason, list) else str(reason)
            lines.append(_("Lý do: %(reason)s") % {"reason": text})
    elif event.action == Action.RECEIVE:
        due = _moment(payload.get("due_at"))
        if due:
            lines.append(_("Hẹn trả kết quả: %(at)s") % {"at": _fmt(due)})
    elif event.action == "apology":
        new = _moment(payload.get("new_appointment"))
        if new:
            lines.append(_("Hẹn lại ngày trả: %(at)s") % {"at": _fmt(new)})
    elif event.action == "rate" and payload.get("rating") in Rating.values:
        lines.append(str(Rating(payload["rating"]).label))
    return lines


def _fmt(moment: datetime) -> str:
    return timezone.localtime(moment).strftime("%H:%M %d/%m/%Y")


def _url(name: str, *args: Any) -> str:
    """Pages other engineers build may not exist yet in this deployment: no link then."""
    try:
        return reverse(name, args=args)
    except NoReverseMatch:
        return ""


@dataclass
class OwnerView:
    dossier: Dossier
    state_label: str
    events: list[dict[str, Any]]
    documents: list[Any]
    letters: list[dict[str, str]]
    can_withdraw: bool
    can_rate: bool
    rating_label: str
    supplement_url: str
    draft_url: str
    pay_url: str


def dossier_for_owner(user: User, dossier: Dossier) -> OwnerView:
    events = [
        {
            "at": e.at,
            "text": EVENT_TEXT_OWNER.get(e.action, UPDATED),
            "details": _details(e),
        }
        for e in dossier.events.order_by("seq")
    ]
    code = dossier.public_code
    state = dossier.state
    return OwnerView(
        dossier=dossier,
        state_label=str(State(state).label),
        events=events,
        documents=list(dossier.documents.order_by("id")),
        letters=[
            {
                "kind": kind,
                "title": TITLES[kind].capitalize(),
                "url": _url("portal:letter", code, kind),
            }
            for kind in letter_kinds(dossier)
        ],
        can_withdraw=Action.WITHDRAW in allowed_actions(dossier, user),
        can_rate=state in RATABLE and not dossier.rating,
        rating_label=dossier.get_rating_display() if dossier.rating else "",
        supplement_url=_url("portal:supplement", dossier.reference)
        if state in SUPPLEMENT_STATES
        else "",
        draft_url=_url("portal:apply_draft", dossier.reference) if state == State.DRAFT else "",
        pay_url=_url("payments:pay", dossier.reference)
        if dossier.fee_amount > 0 and not dossier.paid_online and state not in PAYABLE_CLOSED
        else "",
    )
