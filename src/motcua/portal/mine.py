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
from django.utils.translation import gettext_lazy

from motcua.core.errors import NotFound
from motcua.directory.models import User
from motcua.dossiers.documents import issued_results
from motcua.dossiers.letters import EVENT_OF, TITLES
from motcua.dossiers.lifecycle import Action, Record, Refusal, dossier_permissions
from motcua.dossiers.models import Dossier, DossierDocument, DossierEvent, Rating, State
from motcua.dossiers.public import EVENT_TEXT, INTERNAL_EVENTS, UPDATED
from motcua.esign.models import SignedResult
from motcua.payments.models import Payment, Status
from motcua.payments.selectors import PAYABLE_STATES

# A result is the agency's draft until it is approved: the applicant sees it from then on
# (the same rule as esign's download, which refuses the owner before these states).
RESULT_VISIBLE = (State.RESULT_READY, State.RETURNED)
# Lazy: translated in the reader's language when shown, not when the module loads.
EVENT_TEXT_OWNER = {
    **EVENT_TEXT,
    "create": gettext_lazy("Bạn tạo hồ sơ"),
    "submit": gettext_lazy("Bạn nộp hồ sơ trực tuyến"),
    "provide_supplement": gettext_lazy("Đã nộp bổ sung hồ sơ"),
    "withdraw": gettext_lazy("Hồ sơ được rút theo yêu cầu"),
    "rate": gettext_lazy("Bạn đánh giá mức độ hài lòng"),
    "form_save": gettext_lazy("Bạn cập nhật tờ khai"),
    "forward": gettext_lazy("Hồ sơ được chuyển sang bước xử lý tiếp theo"),
    "send_back": gettext_lazy("Hồ sơ được trả lại bước xử lý trước"),
}


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
    # Why not, when the applicant could in this state but the dossier holds it back (a
    # rating already given): the lifecycle's own words.
    rate_refusal: str
    rating_label: str
    supplement_url: str
    draft_url: str
    pay_url: str
    signed_results: list[dict[str, Any]]
    receipts: list[dict[str, Any]]


def _signed_results(dossier: Dossier) -> list[dict[str, Any]]:
    if dossier.state not in RESULT_VISIBLE:
        return []
    rows = (
        SignedResult.objects.filter(
            document__dossier=dossier, document__kind=DossierDocument.Kind.RESULT
        )
        .select_related("agency", "document")
        .order_by("signed_at", "id")
    )
    return [
        {
            "url": _url("esign:download", row.document_id),
            "name": row.document.name,
            "signed_at": row.signed_at,
            "agency": row.agency.name,
        }
        for row in rows
    ]


def _receipts(dossier: Dossier) -> list[dict[str, Any]]:
    rows = Payment.objects.filter(dossier=dossier, status=Status.PAID).order_by("paid_at", "id")
    return [
        {
            "url": _url("payments:receipt", p.order_ref),
            "receipt_no": p.receipt_no,
            "amount": p.amount,
            "paid_at": p.paid_at,
            "method": p.get_method_display(),
        }
        for p in rows
    ]


def owner_documents(dossier: Dossier) -> QuerySet[DossierDocument]:
    """The files the applicant may open: never a result before it is approved."""
    # Results only as issued: a draft a signed result replaced was never the agency's answer.
    issued = issued_results().filter(dossier=dossier).values("pk")
    return dossier.documents.exclude(kind=DossierDocument.Kind.RESULT) | dossier.documents.filter(
        pk__in=issued
    )


def dossier_for_owner(user: User, dossier: Dossier) -> OwnerView:
    # Officers' internal steps (drafts, asks to the counter) are not the applicant's news.
    rows = list(dossier.events.exclude(action__in=INTERNAL_EVENTS).order_by("seq"))
    events = [
        {
            "at": e.at,
            "text": str(EVENT_TEXT_OWNER.get(e.action, UPDATED)),
            "details": _details(e),
        }
        for e in rows
    ]
    # letter_kinds(dossier) would read the events a second time.
    actions = {e.action for e in rows}
    code = dossier.public_code
    state = dossier.state
    receipts = _receipts(dossier)
    # The buttons are the lifecycle's answer for this applicant, never re-derived here.
    permissions = dossier_permissions(user, dossier)
    rate = permissions[Record.RATE]
    return OwnerView(
        dossier=dossier,
        state_label=str(State(state).label),
        events=events,
        documents=list(owner_documents(dossier).order_by("id")),
        letters=[
            {
                "kind": kind,
                "title": TITLES[kind].capitalize(),
                "url": _url("portal:letter", code, kind),
            }
            for kind, action in EVENT_OF.items()
            if action in actions
        ],
        can_withdraw=permissions[Action.WITHDRAW].allowed,
        can_rate=rate.allowed,
        rate_refusal=rate.message if isinstance(rate, Refusal) and rate.held else "",
        rating_label=dossier.get_rating_display() if dossier.rating else "",
        supplement_url=_url("portal:supplement", dossier.reference)
        if permissions[Action.PROVIDE_SUPPLEMENT].allowed
        else "",
        draft_url=_url("portal:apply_draft", dossier.reference) if state == State.DRAFT else "",
        # Paid at the counter leaves `paid_online` unset: the receipt says it is paid.
        pay_url=_url("payments:pay", dossier.reference)
        if dossier.fee_amount > 0
        and not dossier.paid_online
        and not receipts
        and state in PAYABLE_STATES
        else "",
        signed_results=_signed_results(dossier),
        receipts=receipts,
    )
