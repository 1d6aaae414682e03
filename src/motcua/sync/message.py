"""A dossier as the national portal receives it: the §12.1 MESSAGE, built from the dossier as
it stands and its events (domain.md §12 for the codes).

The message is a snapshot: its `version` is the dossier's, and its id is derived from the
province, the dossier's reference and that version, so the same state sent twice (a retried
batch) carries the same id and the national instance answers "duplicate".
"""

from __future__ import annotations

import uuid
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from django.utils.translation import gettext as _

from motcua.core.worktime import TZ
from motcua.dossiers.lifecycle import Action
from motcua.dossiers.models import Channel, Dossier, DossierEvent, State

# Fixed for good: message ids already sent depend on it.
MESSAGE_NAMESPACE = uuid.UUID("6d1f3c2e-46a7-5b0e-9c1d-0b7a4e2f8c35")

CHANNEL_CODES = {Channel.DIRECT: 1, Channel.ONLINE: 2, Channel.POSTAL: 3}

# §12: the national status of each state; `suspended` and `refused` depend on why.
SUBMITTED, RECEIVED, NOT_RECEIVED, PROCESSING, SUPPLEMENT = 1, 2, 3, 4, 5
FINANCIAL_OBLIGATION, WITHDRAWN, STOPPED, DONE, RETURNED = 6, 7, 8, 9, 10
STATUS_OF_STATE = {
    State.SUBMITTED: SUBMITTED,
    State.RECEIVED: RECEIVED,
    State.IN_PROGRESS: PROCESSING,
    State.TRANSFERRED: PROCESSING,
    State.SUPPLEMENT_REQUESTED: SUPPLEMENT,
    State.WITHDRAWN: WITHDRAWN,
    State.CANCELLED: STOPPED,
    State.RESULT_READY: DONE,
    State.RETURNED: RETURNED,
}

ID_KIND_PERSONAL = "personal_id"  # số định danh cá nhân, 12 digits
ID_KIND_ENTERPRISE = "enterprise_code"  # mã số doanh nghiệp, 10 digits (13 for a branch)


def message_id(province: str, reference: str, version: int) -> uuid.UUID:
    return uuid.uuid5(MESSAGE_NAMESPACE, f"{province}:{reference}:{version}")


def national_moment(moment: datetime | None) -> str | None:
    """`yyyyMMddHHmmss` in Asia/Ho_Chi_Minh (§12), or None."""
    return None if moment is None else moment.astimezone(TZ).strftime("%Y%m%d%H%M%S")


def national_status(dossier: Dossier) -> int | None:
    """The §12 status of the dossier now; None for a draft, which the national portal never
    holds."""
    if dossier.state == State.SUSPENDED:
        financial = dossier.suspend_kind == Dossier.SuspendKind.FINANCIAL
        return FINANCIAL_OBLIGATION if financial else STOPPED
    if dossier.state == State.REFUSED:
        return _refusal_status(dossier.refused_stage, processed=dossier.finished_at is not None)
    return STATUS_OF_STATE.get(State(dossier.state))


def _refusal_status(stage: str, *, processed: bool) -> int:
    # An imported refusal may not say at which stage: one with a finishing moment was
    # refused after processing (§7 counts it as finished).
    if stage == Dossier.RefusedStage.RECEPTION:
        return NOT_RECEIVED
    if stage == Dossier.RefusedStage.PROCESSING or processed:
        return STOPPED
    return NOT_RECEIVED


def event_status(event: DossierEvent) -> int | None:
    """The §12 status a transition left the dossier in, read from the event alone."""
    if event.to_state == State.SUSPENDED:
        financial = (event.payload or {}).get("kind") == Dossier.SuspendKind.FINANCIAL
        return FINANCIAL_OBLIGATION if financial else STOPPED
    if event.to_state == State.REFUSED:
        at_reception = event.from_state in (State.DRAFT, State.SUBMITTED)
        return NOT_RECEIVED if at_reception else STOPPED
    if event.to_state in STATUS_OF_STATE:
        return STATUS_OF_STATE[State(event.to_state)]
    return None


def applicant_of(dossier: Dossier) -> dict[str, Any]:
    number = dossier.applicant_id_number or ""
    if number.isdigit() and len(number) == 12:
        id_kind: str | None = ID_KIND_PERSONAL
    elif number.isdigit() and len(number) in (10, 13):
        id_kind = ID_KIND_ENTERPRISE
    else:
        id_kind = None
    return {"kind": int(dossier.applicant_kind), "id_kind": id_kind, "id": number or None}


def _handler(event: DossierEvent, dossier: Dossier) -> str:
    # The applicant is named by role: their name travels once, in `applicant`, if at all.
    actor = event.actor
    if actor is None:
        return str(_("Hệ thống"))
    if actor.pk == dossier.applicant_id:
        return str(_("Người nộp hồ sơ"))
    return actor.full_name or actor.username


def progress_of(dossier: Dossier, events: Iterable[DossierEvent]) -> list[dict[str, Any]]:
    """One entry per change of state, in order: who handled it, when, the status it left; the
    step's due moment is known for the step the dossier is at now (the last entry)."""
    actions = set(Action.values)
    rows: list[dict[str, Any]] = []
    for event in events:
        if event.action not in actions:
            continue  # a record (an attachment, a payment) is not a handling step
        status = event_status(event)
        if status is None:
            continue
        rows.append(
            {
                "handler": _handler(event, dossier),
                "at": national_moment(event.at),
                "status": status,
                "step_due_at": None,
            }
        )
    if rows and dossier.state == State.IN_PROGRESS:
        rows[-1]["step_due_at"] = national_moment(dossier.step_due_at)
    return rows


def national_message(
    dossier: Dossier, events: Iterable[DossierEvent], *, province: str
) -> dict[str, Any]:
    """The §12.1 MESSAGE for the dossier as it stands (read with its procedure, sector,
    agency and the events' actors)."""
    status = national_status(dossier)
    if status is None:
        raise ValueError(f"dossier {dossier.pk} is a draft; the national portal holds no draft")
    procedure = dossier.procedure
    body = {
        "code": dossier.public_code,
        "version": dossier.version,
        "procedure_code": procedure.code,
        "agency_code": dossier.agency.code,
        "channel": CHANNEL_CODES[Channel(dossier.channel)],
        "status": status,
        "procedure_name": procedure.name,
        "sector": procedure.sector.name,
        "agency_name": dossier.agency.name,
        "applicant": applicant_of(dossier),
        "submitted_at": national_moment(dossier.submitted_at),
        "received_at": national_moment(dossier.received_at),
        "due_at": national_moment(dossier.due_at),
        "finished_at": national_moment(dossier.finished_at),
        "returned_at": national_moment(dossier.returned_at),
        "refused_at": national_moment(
            dossier.closed_at if dossier.state == State.REFUSED else None
        ),
        # §9's per-dossier facts, under the import's names.
        "supplements": dossier.supplement_count,
        "digitized": dossier.digitized,
        "e_result": dossier.e_result,
        "result_to_store": dossier.result_to_store,
        "fee_amount": dossier.fee_amount,
        "paid_online": dossier.paid_online,
        "rating": dossier.rating or None,
        "rated_at": national_moment(dossier.rated_at),
        "reused_data": dossier.reused_data,
        "registry_used": dossier.registry_used,
        "vneid_verified": dossier.vneid_verified,
        # Beyond the contract's keys (kept by the receiver): §8 counts an online payment on
        # the day it was confirmed, which may differ from the day of reception.
        "paid_online_at": national_moment(dossier.paid_online_at),
    }
    return {
        "id": str(message_id(province, dossier.reference, dossier.version)),
        "dossier": body,
        "progress": progress_of(dossier, events),
    }
