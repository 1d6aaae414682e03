"""Dossier writes. Creation is here; every later change is `lifecycle.dossier_transition`,
wrapped under names that read like the officer's verbs."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from datetime import datetime
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.catalog.coverage import documents_covered_by_eform
from motcua.catalog.eforms import eform_errors, eform_of
from motcua.catalog.fees import fee_amount_due, fee_choice_clean
from motcua.catalog.models import Procedure
from motcua.core.audit import audit_record
from motcua.core.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    TransitionNotAllowed,
    ValidationFailed,
)
from motcua.directory.models import Agency, Office, Role, User
from motcua.directory.selectors import user_has_role
from motcua.dossiers.lifecycle import (
    Action,
    dossier_record,
    dossier_transition,
    holds_current_step,
)
from motcua.dossiers.models import (
    ApplicantKind,
    Channel,
    Dossier,
    DossierDocument,
    DossierEvent,
    Rating,
    State,
)

_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"


def _new_reference(at: datetime) -> str:
    tail = "".join(secrets.choice(_REFERENCE_ALPHABET) for _ in range(8))
    return f"TN-{timezone.localdate(at):%y%m%d}-{tail}"


def dossier_create(
    *,
    actor: User,
    procedure: Procedure,
    agency: Agency,
    channel: str,
    applicant_name: str,
    applicant_id_number: str = "",
    applicant_kind: int = ApplicantKind.CITIZEN,
    applicant_address: str = "",
    applicant_email: str = "",
    applicant_phone: str = "",
    summary: str = "",
    form_data: dict[str, Any] | None = None,
    office: Office | None = None,
    fee_choice: Mapping[str, str] | None = None,
    at: datetime | None = None,
) -> Dossier:
    """A draft dossier: a citizen's own online application, or a walk-in entered by the counter.

    `fee_choice` picks among the procedure's alternative rates (`catalog.fees`): the counter
    must pick at once; an online draft may pick later, until submission."""
    moment = at or timezone.now()
    if channel not in Channel.values:
        raise ValidationFailed(_("Kênh nộp hồ sơ không hợp lệ."), fields={"channel": "invalid"})
    if not procedure.is_active:
        raise ValidationFailed(
            _("Thủ tục này không còn áp dụng."), fields={"procedure": "inactive"}
        )
    if not procedure.agencies.filter(pk=agency.pk).exists():
        raise ValidationFailed(
            _("%(agency)s không giải quyết thủ tục này.") % {"agency": agency.name},
            fields={"agency": "invalid"},
        )
    if not applicant_name.strip():
        raise ValidationFailed(
            _("Phải ghi họ tên người nộp hồ sơ."), fields={"applicant_name": "required"}
        )
    is_counter = user_has_role(actor, Role.RECEPTION, agency.pk)
    if channel == Channel.ONLINE:
        if not procedure.offers_online:
            raise ValidationFailed(
                _("Thủ tục này chưa cung cấp dịch vụ công trực tuyến."),
                fields={"channel": "not_online"},
            )
        if not actor.personal_id:
            raise PermissionDenied(_("Cần đăng nhập bằng tài khoản công dân để nộp trực tuyến."))
        applicant: User | None = actor
    else:
        if not is_counter:
            raise PermissionDenied(
                _("Chỉ cán bộ một cửa của %(agency)s được nhập hồ sơ trực tiếp.")
                % {"agency": agency.name}
            )
        applicant = (
            User.objects.filter(personal_id=applicant_id_number).first()
            if applicant_id_number
            else None
        )
    if channel == Channel.ONLINE:
        choice, due = fee_choice_clean(procedure, fee_choice, channel=channel)
    else:
        due = fee_amount_due(procedure, fee_choice, channel=channel)
        choice = due.choice
    fee = due.amount if due is not None else 0
    with transaction.atomic():
        dossier = Dossier.objects.create(
            reference=_new_reference(moment),
            procedure=procedure,
            agency=agency,
            office=office,
            channel=channel,
            applicant=applicant,
            applicant_kind=applicant_kind,
            applicant_name=applicant_name.strip(),
            applicant_id_number=applicant_id_number,
            applicant_address=applicant_address,
            applicant_email=applicant_email,
            applicant_phone=applicant_phone,
            summary=summary or procedure.name,
            form_data=form_data or {},
            created_by=actor,
            created_at=moment,
            fee_amount=fee,
            fee_choice=choice,
        )
        DossierEvent.objects.create(
            dossier=dossier,
            seq=1,
            at=moment,
            actor=actor,
            action="create",
            from_state="",
            to_state=State.DRAFT,
            payload={"channel": channel, "procedure": procedure.code, "fee_amount": fee},
        )
    return dossier


def dossier_submit(*, actor: User, dossier: Dossier, at: datetime | None = None) -> Dossier:
    return dossier_transition(actor=actor, dossier=dossier, action=Action.SUBMIT, at=at)


def dossier_receive(
    *,
    actor: User,
    dossier: Dossier,
    at: datetime | None = None,
    note: str = "",
    expected_version: int | None = None,
) -> Dossier:
    return dossier_transition(
        actor=actor,
        dossier=dossier,
        action=Action.RECEIVE,
        at=at,
        note=note,
        expected_version=expected_version,
    )


def dossier_request_supplement(
    *,
    actor: User,
    dossier: Dossier,
    missing: list[str],
    due_at: datetime | None = None,
    at: datetime | None = None,
    note: str = "",
) -> Dossier:
    if not missing:
        raise ValidationFailed(
            _("Phải liệt kê giấy tờ cần bổ sung."), fields={"missing": "required"}
        )
    payload: dict[str, Any] = {"missing": missing}
    if due_at is not None:
        payload["supplement_due_at"] = due_at
    return dossier_transition(
        actor=actor,
        dossier=dossier,
        action=Action.REQUEST_SUPPLEMENT,
        at=at,
        note=note,
        payload=payload,
    )


def dossier_forward(
    *,
    actor: User,
    dossier: Dossier,
    assignee: User | None = None,
    at: datetime | None = None,
    note: str = "",
) -> Dossier:
    return dossier_transition(
        actor=actor,
        dossier=dossier,
        action=Action.FORWARD,
        at=at,
        note=note,
        payload={"assignee": assignee.pk} if assignee else {},
    )


def dossier_approve(*, actor: User, dossier: Dossier, at: datetime | None = None) -> Dossier:
    return dossier_transition(actor=actor, dossier=dossier, action=Action.APPROVE, at=at)


def dossier_return(
    *,
    actor: User,
    dossier: Dossier,
    method: str = "in_person",
    receiver: str = "",
    at: datetime | None = None,
) -> Dossier:
    return dossier_transition(
        actor=actor,
        dossier=dossier,
        action=Action.RETURN,
        at=at,
        payload={"method": method, "receiver": receiver},
    )


def dossier_issue_apology(
    *,
    actor: User,
    dossier: Dossier,
    new_appointment: datetime,
    reason: str,
    at: datetime | None = None,
) -> Dossier:
    """The apology letter with a new appointment (§6). The index keeps judging by `due_at`."""
    moment = at or timezone.now()
    allowed = any(
        user_has_role(actor, role, agency_id)
        for role in (Role.RECEPTION, Role.SPECIALIST, Role.APPROVER)
        for agency_id in {dossier.agency_id, getattr(dossier.current_step, "agency_id", None)}
        if agency_id
    )
    if not allowed:
        raise PermissionDenied(_("Chỉ cán bộ của cơ quan giải quyết được gửi phiếu xin lỗi."))
    if dossier.received_at is None or dossier.finished_at is not None or dossier.closed_at:
        raise ValidationFailed(
            _("Chỉ gửi phiếu xin lỗi cho hồ sơ đang giải quyết."), fields={"state": "invalid"}
        )
    if dossier.due_at is None:
        raise ValidationFailed(_("Hồ sơ không có hạn giải quyết."), fields={"state": "invalid"})
    if not reason.strip():
        raise ValidationFailed(_("Phải nêu lý do chậm trễ."), fields={"reason": "required"})
    if new_appointment.tzinfo is None or new_appointment <= max(moment, dossier.due_at):
        raise ValidationFailed(
            _("Ngày hẹn mới phải sau hạn giải quyết ban đầu và sau thời điểm hiện tại."),
            fields={"new_appointment": "invalid"},
        )
    with transaction.atomic():
        return dossier_record(
            actor=actor,
            dossier=dossier,
            action="apology",
            at=moment,
            note=reason.strip(),
            payload={"new_appointment": new_appointment.isoformat(), "reason": reason.strip()},
            changes={"apology_appointment_at": new_appointment},
        )


def dossier_rate(
    *, actor: User, dossier: Dossier, rating: str, at: datetime | None = None
) -> Dossier:
    """The applicant's satisfaction rating (§7), once, after the result. Recorded through
    `dossier_record`, so the rating counters of the index move in the same transaction."""
    if rating not in Rating.values:
        raise ValidationFailed(
            _("Hãy chọn một mức: rất hài lòng, hài lòng hoặc không hài lòng."),
            fields={"rating": "invalid"},
        )
    moment = at or timezone.now()
    with transaction.atomic():
        locked = Dossier.objects.select_for_update(of=("self",)).get(pk=dossier.pk)
        if actor is None or not actor.is_authenticated or locked.applicant_id != actor.pk:
            raise PermissionDenied(_("Chỉ người nộp hồ sơ được đánh giá mức độ hài lòng."))
        if locked.state not in (State.RESULT_READY, State.RETURNED):
            raise TransitionNotAllowed(
                _("Chỉ đánh giá được khi hồ sơ đã có kết quả; hồ sơ đang ở trạng thái “%(state)s”.")
                % {"state": State(locked.state).label}
            )
        if locked.rating:
            raise TransitionNotAllowed(
                _("Hồ sơ %(code)s đã được đánh giá ngày %(day)s; mỗi hồ sơ chỉ đánh giá một lần.")
                % {
                    "code": locked.public_code,
                    "day": timezone.localtime(locked.rated_at).strftime("%d/%m/%Y")
                    if locked.rated_at
                    else "",
                }
            )
        return dossier_record(
            actor=actor,
            dossier=locked,
            action="rate",
            at=moment,
            payload={"rating": rating},
            changes={"rating": rating, "rated_at": moment},
        )


# --- online application: the citizen's declaration and submission -------------------------

_FORM_MAX_KEYS = 200
_FORM_MAX_TEXT = 2000


def _form_data_check(form_data: Any) -> None:
    if not isinstance(form_data, dict) or len(form_data) > _FORM_MAX_KEYS:
        raise ValidationFailed(_("Dữ liệu tờ khai không hợp lệ."), fields={"form_data": "invalid"})
    for key, value in form_data.items():
        scalar = value is None or isinstance(value, (str, int, float, bool))
        if not isinstance(key, str) or not scalar:
            raise ValidationFailed(
                _("Dữ liệu tờ khai không hợp lệ."), fields={"form_data": "invalid"}
            )
        if isinstance(value, str) and (len(value) > _FORM_MAX_TEXT or "\x00" in value):
            raise ValidationFailed(
                _("Mục “%(key)s” dài quá %(n)d ký tự.") % {"key": key, "n": _FORM_MAX_TEXT},
                fields={key: "too_long"},
            )


def dossier_form_save(
    *,
    actor: User,
    dossier: Dossier,
    form_data: dict[str, Any],
    agency: Agency | None = None,
    applicant: dict[str, str] | None = None,
    registry_used: bool = False,
    fee_choice: Mapping[str, str] | None = None,
    expected_version: int | None = None,
    at: datetime | None = None,
) -> Dossier:
    """Save the applicant's own draft as typed so far — complete or not; completeness is
    checked at submission. `registry_used` records that the declaration keeps data from the
    population registry (§7 `registry_dossiers`); it is never taken back. `fee_choice` (None:
    unchanged) is the fee category picked so far; the amount follows it."""
    if dossier.applicant_id is None or dossier.applicant_id != actor.pk:
        raise PermissionDenied(_("Chỉ người nộp được sửa tờ khai của hồ sơ này."))
    if dossier.state != State.DRAFT:
        raise ValidationFailed(
            _("Hồ sơ %(ref)s đã nộp; không sửa tờ khai được nữa.") % {"ref": dossier.public_code},
            fields={"state": "not_draft"},
        )
    _form_data_check(form_data)
    if agency is not None and not dossier.procedure.agencies.filter(pk=agency.pk).exists():
        raise ValidationFailed(
            _("%(agency)s không giải quyết thủ tục này.") % {"agency": agency.name},
            fields={"agency": "invalid"},
        )
    changes: dict[str, Any] = {"form_data": form_data}
    if agency is not None and agency.pk != dossier.agency_id:
        changes["agency"] = agency
    limits = {"applicant_name": 255, "applicant_address": 500, "applicant_phone": 20}
    for key in ("applicant_name", "applicant_address", "applicant_phone", "applicant_email"):
        value = (applicant or {}).get(key, "").strip()
        if value:
            changes[key] = value[: limits.get(key, 254)]
    if registry_used and not dossier.registry_used:
        changes["registry_used"] = True
    if fee_choice is not None:
        choice, due = fee_choice_clean(dossier.procedure, fee_choice, channel=dossier.channel)
        changes["fee_choice"] = choice
        changes["fee_amount"] = due.amount if due is not None else 0
    with transaction.atomic():
        updated = dossier_record(
            actor=actor,
            dossier=dossier,
            action="form_save",
            at=at,
            payload={
                "fields": len(form_data),
                "registry_used": bool(registry_used),
                **({"fee_choice": changes["fee_choice"]} if "fee_choice" in changes else {}),
            },
            changes=changes,
            expected_version=expected_version,
        )
        audit_record(
            actor=actor,
            action="dossier.form_save",
            object_type="dossier",
            object_id=dossier.pk,
            data={"fields": len(form_data)},
        )
    return updated


def dossier_documents_missing(dossier: Dossier) -> list[Any]:
    """Required documents with nothing attached by the applicant (uploaded or reused), leaving
    out the declaration that the filled e-form replaces."""
    attached = set(
        dossier.documents.filter(kind=DossierDocument.Kind.SUBMITTED).values_list(
            "required_document_id", flat=True
        )
    )
    documents = list(dossier.procedure.documents.all())
    covered = attached | documents_covered_by_eform(dossier.procedure, documents)
    return [
        document for document in documents if not document.optional and document.pk not in covered
    ]


def dossier_online_submit(*, actor: User, dossier: Dossier, at: datetime | None = None) -> Dossier:
    """Submit a draft only when its declaration satisfies the e-form's schema and every
    required document is attached; the refusal lists every problem and changes nothing."""
    if dossier.applicant_id is None or dossier.applicant_id != actor.pk:
        raise PermissionDenied(_("Chỉ người nộp được nộp hồ sơ này."))
    errors = eform_errors(eform_of(dossier.procedure), dossier.form_data or {})
    if errors:
        raise ValidationFailed(
            _("Tờ khai còn %(n)d mục chưa đúng; hãy sửa các mục được đánh dấu.")
            % {"n": len(errors)},
            code="form_invalid",
            fields=errors,
        )
    missing = dossier_documents_missing(dossier)
    if missing:
        raise ValidationFailed(
            _("Còn thiếu giấy tờ bắt buộc: %(names)s.")
            % {"names": "; ".join(d.name for d in missing)},
            code="documents_missing",
            fields={f"document_{d.pk}": d.name for d in missing},
        )
    # The amount announced at submission is the one owed: the rule over the catalog as it is
    # now and the applicant's pick (a missing pick refuses the submission).
    due = fee_amount_due(dossier.procedure, dossier.fee_choice, channel=dossier.channel)
    with transaction.atomic():
        if (due.amount, due.choice) != (dossier.fee_amount, dossier.fee_choice):
            # Part of the declaration, recorded like it.
            dossier = dossier_record(
                actor=actor,
                dossier=dossier,
                action="form_save",
                at=at,
                payload={"fee_amount": due.amount, "fee_choice": due.choice},
                changes={"fee_amount": due.amount, "fee_choice": due.choice},
            )
        return dossier_submit(actor=actor, dossier=dossier, at=at)


# --- the processing officer asks the counter for a supplement ------------------------------

# The event a processing officer records to ask the counter to request a supplement: only the
# counter talks to the applicant.
ASK_SUPPLEMENT = "ask_supplement"
_ASK_NOTE_MAX = 2000  # the page's field allows as much


def dossier_ask_supplement(
    *,
    actor: User | None,
    dossier: Dossier,
    note: str,
    expected_version: int | None = None,
    at: datetime | None = None,
) -> Dossier:
    """The officer holding the current step asks the counter to request a supplement: only the
    counter talks to the applicant, so this is an event for the counter's list (no change of
    state, the clock keeps running until the counter sends the request)."""
    text = (note or "").strip()
    with transaction.atomic():
        # The step may have moved on since the officer's page was drawn: decide on the row
        # as it is now, and keep it locked until the event is written.
        locked = (
            Dossier.objects.select_for_update(of=("self",))
            .select_related("current_step", "procedure", "agency")
            .filter(pk=dossier.pk)
            .first()
        )
        if locked is None:
            raise NotFound(_("Không tìm thấy hồ sơ."))
        if expected_version is not None and locked.version != expected_version:
            raise Conflict(
                _("Hồ sơ %(code)s vừa được người khác cập nhật. Vui lòng tải lại rồi thao tác lại.")
                % {"code": locked.public_code}
            )
        if locked.state != State.IN_PROGRESS:
            raise TransitionNotAllowed(
                _(
                    "Chỉ đề nghị bổ sung khi hồ sơ đang được xử lý; hồ sơ đang ở trạng thái "
                    "“%(state)s”."
                )
                % {"state": State(locked.state).label}
            )
        if not holds_current_step(actor, locked):
            raise PermissionDenied(
                _("Chỉ cán bộ được giao bước xử lý hiện tại được đề nghị yêu cầu bổ sung.")
            )
        if not text:
            raise ValidationFailed(
                _("Phải ghi rõ giấy tờ cần bổ sung."), fields={"note": "required"}
            )
        if len(text) > _ASK_NOTE_MAX:
            raise ValidationFailed(
                _("Nội dung đề nghị quá dài (tối đa %(limit)d ký tự).") % {"limit": _ASK_NOTE_MAX},
                fields={"note": "too_long"},
            )
        return dossier_record(
            actor=actor,
            dossier=locked,
            action=ASK_SUPPLEMENT,
            at=at,
            note=text,
            payload={"missing": text},
        )
