"""Dossier writes, one service per user intent: creation, the online application (save,
attach, submit in one click), the counter's walk-in (create, registry identity, scans), the
applicant's supplement answer (files, then the resumed clock), the apology, the rating, the
officer's request to the counter.
Each locks the row once (`dossier_lock`), checks it with the lifecycle's rules
(`record_refusal`, `transition_refusal`), then writes one event per intent. A change of state
alone is `lifecycle.dossier_transition`, called by the pages directly."""

from __future__ import annotations

import secrets
from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import prefetch_related_objects
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.catalog.coverage import documents_covered_by_eform
from motcua.catalog.eforms import eform_errors, eform_of
from motcua.catalog.fees import fee_amount_due, fee_choice_clean
from motcua.catalog.models import Procedure
from motcua.core.audit import audit_record
from motcua.core.errors import MotcuaError, PermissionDenied, ValidationFailed
from motcua.core.names import person_name_clean
from motcua.core.rows import row_exists
from motcua.core.text import fold
from motcua.directory.models import Agency, Office, Role, User
from motcua.directory.selectors import user_has_role
from motcua.dossiers.documents import (
    Attachment,
    _reuse_check,
    documents_attach_locked,
    upload_check,
)
from motcua.dossiers.lifecycle import (
    Action,
    Record,
    dossier_event_write,
    dossier_event_written,
    dossier_lock,
    record_apply,
    record_refusal,
    refusals_logged,
    transition_apply,
    transition_refusal,
)
from motcua.dossiers.lifecycle.events import Tail
from motcua.dossiers.lifecycle.unsaved import (
    after_insert,
    dossier_insert,
    dossier_save,
    dossier_unsaved,
)
from motcua.dossiers.models import (
    ApplicantKind,
    Channel,
    Dossier,
    DossierDocument,
    Rating,
    State,
)
from motcua.dossiers.selectors import procedure_with_catalog, supplement_items
from motcua.integration.registry import RegistryPerson

_REFERENCE_ALPHABET = "ABCDEFGHJKLMNPQRSTUVWXYZ23456789"  # 32 letters: 5 bits each


def _new_reference(at: datetime) -> str:
    # Eight random bytes, a letter from each one's low 5 bits: as uniform as `secrets.choice`
    # (256 is a multiple of 32), with one call for random bytes instead of eight.
    tail = "".join(_REFERENCE_ALPHABET[b & 31] for b in secrets.token_bytes(8))
    return f"TN-{timezone.localdate(at):%y%m%d}-{tail}"


@refusals_logged
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
    """A draft dossier: a citizen's own online application, or a walk-in entered by the counter
    (`_draft_new` has the arguments and the checks), written at once with its `create` event.

    `fee_choice` picks among the procedure's alternative rates (`catalog.fees`): the counter
    must pick at once; an online draft may pick later, until submission."""
    draft = _draft_new(
        actor=actor,
        procedure=procedure,
        agency=agency,
        channel=channel,
        applicant_name=applicant_name,
        applicant_id_number=applicant_id_number,
        applicant_kind=applicant_kind,
        applicant_address=applicant_address,
        applicant_email=applicant_email,
        applicant_phone=applicant_phone,
        summary=summary,
        form_data=form_data,
        office=office,
        fee_choice=fee_choice,
        at=at,
    )
    # Inside a caller's transaction (the walk-in) a failure here fails the caller's whole
    # write anyway: no savepoint.
    with transaction.atomic(savepoint=False):
        return dossier_insert(draft)


def _draft_new(
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
    """A new draft, checked, with its `create` event, not yet written (`dossier_insert`
    writes it: at once for `dossier_create`, with the intents that follow in the same request
    for `dossier_apply_online`)."""
    moment = at or timezone.now()
    if channel not in Channel.values:
        raise ValidationFailed(_("Kênh nộp hồ sơ không hợp lệ."), fields={"channel": "invalid"})
    if not procedure.is_active:
        raise ValidationFailed(
            _("Thủ tục này không còn áp dụng."), fields={"procedure": "inactive"}
        )
    if not _handles(procedure, agency):
        raise ValidationFailed(
            _("%(agency)s không giải quyết thủ tục này.") % {"agency": agency.name},
            fields={"agency": "invalid"},
        )
    if not applicant_name.strip():
        raise ValidationFailed(
            _("Phải ghi họ tên người nộp hồ sơ."), fields={"applicant_name": "required"}
        )
    applicant_name = person_name_clean(applicant_name)
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
        if not user_has_role(actor, Role.RECEPTION, agency.pk):
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
    dossier = dossier_unsaved(
        Dossier(
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
            vneid_verified=channel == Channel.ONLINE and actor.vneid_verified_at is not None,
        )
    )
    dossier_event_write(
        dossier=dossier,
        seq=1,
        at=moment,
        actor=actor,
        action=Record.CREATE,
        from_state="",
        to_state=State.DRAFT,
        payload={"channel": channel, "procedure": procedure.code, "fee_amount": fee},
    )
    return dossier


@refusals_logged
def dossier_issue_apology(
    *,
    actor: User,
    dossier: Dossier,
    new_appointment: datetime,
    reason: str,
    at: datetime | None = None,
    expected_version: int | None = None,
) -> Dossier:
    """The apology letter with a new appointment (§6). The index keeps judging by `due_at`."""
    moment = at or timezone.now()
    if not reason.strip():
        raise ValidationFailed(_("Phải nêu lý do chậm trễ."), fields={"reason": "required"})
    with transaction.atomic():
        locked = dossier_lock(dossier, expected_version=expected_version)
        refusal = record_refusal(actor, locked, Record.APOLOGY)
        if refusal is not None:
            raise refusal
        assert locked.due_at is not None  # the guard
        if new_appointment.tzinfo is None or new_appointment <= max(moment, locked.due_at):
            raise ValidationFailed(
                _("Ngày hẹn mới phải sau hạn giải quyết ban đầu và sau thời điểm hiện tại."),
                fields={"new_appointment": "invalid"},
            )
        return record_apply(
            actor=actor,
            dossier=locked,
            action=Record.APOLOGY,
            at=moment,
            note=reason.strip(),
            payload={"new_appointment": new_appointment.isoformat(), "reason": reason.strip()},
            changes={"apology_appointment_at": new_appointment},
        )


@refusals_logged
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
        locked = dossier_lock(dossier)
        refusal = record_refusal(actor, locked, Record.RATE)
        if refusal is not None:
            raise refusal
        return record_apply(
            actor=actor,
            dossier=locked,
            action=Record.RATE,
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


def _form_changes(
    dossier: Dossier,
    *,
    form_data: dict[str, Any],
    agency: Agency | None,
    applicant: dict[str, str] | None,
    registry_used: bool,
    fee_choice: Mapping[str, str] | None,
    agency_checked: bool = False,
) -> dict[str, Any]:
    """The fields a declaration changes, checked (the row is locked by the caller).
    `agency_checked`: the dossier was created in this transaction, for this agency, after
    the same check."""
    _form_data_check(form_data)
    checked = agency_checked and agency is not None and agency.pk == dossier.agency_id
    if agency is not None and not checked and not _handles(dossier.procedure, agency):
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
        if value and key == "applicant_name":
            changes[key] = person_name_clean(value)
        elif value:
            changes[key] = value[: limits.get(key, 254)]
    if registry_used and not dossier.registry_used:
        changes["registry_used"] = True
    if fee_choice is not None:
        choice, due = fee_choice_clean(dossier.procedure, fee_choice, channel=dossier.channel)
        changes["fee_choice"] = choice
        changes["fee_amount"] = due.amount if due is not None else 0
    return changes


def _form_save_locked(
    *,
    actor: User,
    dossier: Dossier,
    changes: dict[str, Any],
    at: datetime | None,
    after: Tail | None = None,
) -> Dossier:
    form_data = changes["form_data"]
    updated = record_apply(
        actor=actor,
        dossier=dossier,
        action=Record.FORM_SAVE,
        at=at,
        after=after,
        payload={
            "fields": len(form_data),
            "registry_used": bool(changes.get("registry_used") or dossier.registry_used),
            **({"fee_choice": changes["fee_choice"]} if "fee_choice" in changes else {}),
        },
        changes=changes,
    )
    after_insert(
        updated,
        lambda: audit_record(
            actor=actor,
            action="dossier.form_save",
            object_type="dossier",
            object_id=updated.pk,
            data={"fields": len(form_data)},
        ),
    )
    return updated


def _refuse_unless(refusal: MotcuaError | None) -> None:
    if refusal is not None:
        raise refusal


@refusals_logged
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
    with transaction.atomic():
        locked = dossier_lock(dossier, expected_version=expected_version)
        _refuse_unless(record_refusal(actor, locked, Record.FORM_SAVE))
        changes = _form_changes(
            locked,
            form_data=form_data,
            agency=agency,
            applicant=applicant,
            registry_used=registry_used,
            fee_choice=fee_choice,
        )
        return _form_save_locked(actor=actor, dossier=locked, changes=changes, at=at)


def dossier_documents_missing(
    dossier: Dossier,
    *,
    also_attached: set[int] | frozenset[int] = frozenset(),
    new: bool = False,
) -> list[Any]:
    """Required documents with nothing attached by the applicant (uploaded or reused, or
    posted with the submission: `also_attached`), leaving out the declaration that the filled
    e-form replaces. `new`: the dossier was created in this transaction, so nothing is
    attached to it yet but `also_attached`."""
    attached = set(also_attached)
    if not new:
        attached |= set(
            dossier.documents.filter(kind=DossierDocument.Kind.SUBMITTED).values_list(
                "required_document_id", flat=True
            )
        )
    documents = list(dossier.procedure.documents.all())
    covered = attached | documents_covered_by_eform(dossier.procedure, documents)
    return [
        document for document in documents if not document.optional and document.pk not in covered
    ]


def _submission_check(
    dossier: Dossier,
    form_data: dict[str, Any],
    also_attached: set[int] | frozenset[int],
    *,
    new: bool = False,
) -> None:
    """A submission needs a declaration that satisfies the e-form's schema and every required
    document; the refusal lists every problem at once, each under its field."""
    errors = eform_errors(eform_of(dossier.procedure), form_data or {})
    missing = dossier_documents_missing(dossier, also_attached=also_attached, new=new)
    fields: dict[str, str] = dict(errors) | {
        f"document_{d.pk}": _("Chưa đính kèm giấy tờ bắt buộc này.") for d in missing
    }
    if errors:
        raise ValidationFailed(
            _("Tờ khai còn %(n)d mục chưa đúng; hãy sửa các mục được đánh dấu.")
            % {"n": len(errors)},
            code="form_invalid",
            fields=fields,
        )
    if missing:
        raise ValidationFailed(
            _("Còn thiếu giấy tờ bắt buộc: %(names)s.")
            % {"names": "; ".join(d.name for d in missing)},
            code="documents_missing",
            fields=fields,
        )


def _submit_locked(
    *, actor: User, dossier: Dossier, at: datetime | None, after: Tail | None = None
) -> Dossier:
    """The submission on the locked, checked row. The amount announced at submission is the
    one owed: the rule over the catalog as it is now and the applicant's pick (a missing pick
    refuses the submission); it is written with the submission, in its one event."""
    due = fee_amount_due(dossier.procedure, dossier.fee_choice, channel=dossier.channel)
    payload: dict[str, Any] = {}
    if (due.amount, due.choice) != (dossier.fee_amount, dossier.fee_choice):
        dossier.fee_amount, dossier.fee_choice = due.amount, due.choice
        dossier_save(dossier, ["fee_amount", "fee_choice"])
        payload = {"fee_amount": due.amount, "fee_choice": due.choice}
    return transition_apply(
        actor=actor, dossier=dossier, action=Action.SUBMIT, at=at, payload=payload, after=after
    )


@refusals_logged
def dossier_online_submit(
    *,
    actor: User,
    dossier: Dossier,
    at: datetime | None = None,
    expected_version: int | None = None,
) -> Dossier:
    """Submit a draft only when its declaration satisfies the e-form's schema and every
    required document is attached; the refusal lists every problem and changes nothing."""
    with transaction.atomic():
        locked = dossier_lock(dossier, expected_version=expected_version)
        _refuse_unless(transition_refusal(actor, locked, Action.SUBMIT))
        _submission_check(locked, locked.form_data, frozenset())
        return _submit_locked(actor=actor, dossier=locked, at=at)


@refusals_logged
def dossier_apply_online(
    *,
    actor: User,
    procedure: Procedure,
    dossier: Dossier | None,
    form_data: dict[str, Any],
    agency: Agency,
    applicant: dict[str, str],
    registry_used: bool,
    fee_choice: Mapping[str, str] | None,
    files: list[Attachment],
    submit: bool,
    expected_version: int | None = None,
    created: Callable[[Dossier], None] | None = None,
    at: datetime | None = None,
) -> Dossier:
    """The citizen's one click on the apply page: save the declaration, attach what was
    posted, and (`submit`) submit. One transaction, one lock, every check before any write,
    one event and one version per intent: a new draft is started (`create`), the declaration
    saved (`form_save`); the uploads posted together are one
    `attach`, the earlier results one `reuse`; the submission one `submit`.

    `created` runs in the transaction right after a new draft is made (the page's
    double-submission guard records the dossier it made there).

    A new draft is written once (`lifecycle.unsaved`): each intent is applied to it in
    memory, with the same guards, events and counters, and the row is inserted as it ends,
    its events in one statement, then the rows that name it — a refusal writes nothing. The
    procedure's fee lines, required documents and the agencies that handle it are read once
    per request for every check and the fee rule (`procedure_with_catalog`): the apply page's
    read, when `procedure` is the copy it read them into, as the procedure row itself and its
    e-form are the page's; else here."""
    moment = at or timezone.now()
    with transaction.atomic():
        fresh = dossier is None
        if dossier is None:
            locked = _draft_new(
                actor=actor,
                procedure=procedure_with_catalog(procedure),
                agency=agency,
                channel=Channel.ONLINE,
                applicant_id_number=actor.personal_id or "",
                applicant_name=applicant.get("applicant_name", ""),
                at=moment,
            )
            if created is not None:
                new = locked
                after_insert(new, lambda: created(new))
        else:
            locked = dossier_lock(dossier, expected_version=expected_version)
            prefetch_related_objects([locked.procedure], "fees", "documents")
        _refuse_unless(record_refusal(actor, locked, Record.FORM_SAVE))
        if files:
            _refuse_unless(record_refusal(actor, locked, Record.ATTACH))
        changes = _form_changes(
            locked,
            form_data=form_data,
            agency=agency,
            applicant=applicant,
            registry_used=registry_used,
            fee_choice=fee_choice,
            agency_checked=fresh,
        )
        if submit:
            _refuse_unless(transition_refusal(actor, locked, Action.SUBMIT))
            _submission_check(
                locked,
                form_data,
                {f.required_document.pk for f in files if f.required_document},
                new=fresh,
            )
        locked = _form_save_locked(
            actor=actor,
            dossier=locked,
            changes=changes,
            at=moment,
            after=dossier_event_written(locked),
        )
        if files:
            # The documents name the dossier: it is written first.
            dossier_insert(locked)
            documents_attach_locked(
                actor=actor,
                dossier=locked,
                files=files,
                kind=DossierDocument.Kind.SUBMITTED,
                at=moment,
            )
        if submit:
            locked = _submit_locked(
                actor=actor, dossier=locked, at=moment, after=dossier_event_written(locked)
            )
        dossier_insert(locked)
    return locked


def _handles(procedure: Procedure, agency: Agency) -> bool:
    """The agency handles the procedure (the catalog's list): as the procedure holds it when
    it was read for this request with its catalog (the apply page's), else asked here."""
    held = getattr(procedure, "_prefetched_objects_cache", {}).get("agencies")
    if held is not None:
        return any(a.pk == agency.pk for a in held)
    return row_exists(Procedure.agencies.through, procedure=procedure.pk, agency=agency.pk)


# --- the processing officer asks the counter for a supplement ------------------------------

# The event a processing officer records to ask the counter to request a supplement: only the
# counter talks to the applicant.
ASK_SUPPLEMENT = Record.ASK_SUPPLEMENT
_ASK_NOTE_MAX = 2000  # the page's field allows as much


@refusals_logged
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
        locked = dossier_lock(dossier, expected_version=expected_version)
        _refuse_unless(record_refusal(actor, locked, Record.ASK_SUPPLEMENT))
        if not text:
            raise ValidationFailed(
                _("Phải ghi rõ giấy tờ cần bổ sung."), fields={"note": "required"}
            )
        if len(text) > _ASK_NOTE_MAX:
            raise ValidationFailed(
                _("Nội dung đề nghị quá dài (tối đa %(limit)d ký tự).") % {"limit": _ASK_NOTE_MAX},
                fields={"note": "too_long"},
            )
        return record_apply(
            actor=actor,
            dossier=locked,
            action=Record.ASK_SUPPLEMENT,
            at=at,
            note=text,
            payload={"missing": text},
        )


# --- the counter's walk-in -------------------------------------------------------------------


@refusals_logged
def dossier_walk_in(
    *,
    actor: User,
    procedure: Procedure,
    agency: Agency,
    channel: str,
    applicant_name: str,
    applicant_id_number: str,
    applicant_address: str = "",
    applicant_phone: str = "",
    applicant_email: str = "",
    fee_choice: Mapping[str, str] | None,
    registry_person: RegistryPerson | None,
    files: list[Attachment],
    at: datetime | None = None,
) -> Dossier:
    """The counter enters a dossier brought in person (or by post) with its scans, in one
    transaction: `create`, then — when the name is the registry's for that ID —
    `registry_lookup` (§7 `registry_dossiers`), then one `attach` for the scans posted
    together. Every scan is checked before the dossier is created, so a bad file leaves
    nothing behind."""
    moment = at or timezone.now()
    for item in files:
        if item.upload is not None:
            upload_check(item.upload)
            item.upload.seek(0)
    # A name typed against the registry's answer is the officer's, not the registry's.
    from_registry = registry_person is not None and fold(registry_person.full_name) == fold(
        applicant_name
    )
    with transaction.atomic():
        dossier = dossier_create(
            actor=actor,
            procedure=procedure,
            agency=agency,
            channel=channel,
            applicant_name=applicant_name,
            applicant_id_number=applicant_id_number,
            applicant_address=applicant_address,
            applicant_phone=applicant_phone,
            applicant_email=applicant_email,
            fee_choice=fee_choice,
            at=moment,
        )
        locked = dossier_lock(dossier)
        if from_registry:
            _refuse_unless(record_refusal(actor, locked, Record.REGISTRY_LOOKUP))
        if files:
            _refuse_unless(record_refusal(actor, locked, Record.ATTACH))
        if from_registry:
            locked = record_apply(
                actor=actor,
                dossier=locked,
                action=Record.REGISTRY_LOOKUP,
                at=moment,
                payload={"source": "population_registry"},
                changes={"registry_used": True},
            )
        if files:
            # The documents name the dossier: it is written first.
            dossier_insert(locked)
            documents_attach_locked(
                actor=actor, dossier=locked, files=files, kind=DossierDocument.Kind.SCAN, at=moment
            )
    return locked


# --- the applicant answers a supplement request ------------------------------------------------

SupplementAnswer = UploadedFile | DossierDocument


@refusals_logged
def dossier_supplement_answer(
    *,
    actor: User,
    dossier: Dossier,
    answers: Mapping[int, SupplementAnswer],
    expected_version: int | None = None,
    at: datetime | None = None,
) -> Dossier:
    """The applicant's answer to the pending supplement request: for each listed item (by its
    position in the request), an upload or an earlier result. Locks once; every item is checked
    before any file is written — the refusal names each item under `item_<i>`; then one
    `attach` for the uploads, one `reuse` for the earlier results and `provide_supplement`,
    which resumes the clock (§5)."""
    moment = at or timezone.now()
    with transaction.atomic():
        locked = dossier_lock(dossier, expected_version=expected_version)
        _refuse_unless(transition_refusal(actor, locked, Action.PROVIDE_SUPPLEMENT))
        files: list[Attachment] = []
        errors: dict[str, str] = {}
        for index, (_item, document) in enumerate(supplement_items(locked)):
            answer = answers.get(index)
            try:
                if isinstance(answer, DossierDocument) and document is not None:
                    _reuse_check(locked, answer, document)
                    files.append(Attachment(required_document=document, source=answer))
                elif isinstance(answer, UploadedFile):
                    upload_check(answer)
                    answer.seek(0)
                    files.append(Attachment(required_document=document, upload=answer))
                else:
                    errors[f"item_{index}"] = _("Chưa đính kèm giấy tờ này.")
            except ValidationFailed as error:
                errors[f"item_{index}"] = error.message
        if errors:
            raise ValidationFailed(
                _(
                    "Chưa nộp bổ sung: hãy đính kèm đủ các giấy tờ được yêu cầu (và chọn lại "
                    "tệp nếu đã chọn)."
                ),
                fields=errors,
            )
        if any(f.upload is not None for f in files):
            _refuse_unless(record_refusal(actor, locked, Record.ATTACH))
        if any(f.source is not None for f in files):
            _refuse_unless(record_refusal(actor, locked, Record.REUSE))
        documents = documents_attach_locked(
            actor=actor, dossier=locked, files=files, kind=DossierDocument.Kind.SUBMITTED, at=moment
        )
        return transition_apply(
            actor=actor,
            dossier=locked,
            action=Action.PROVIDE_SUPPLEMENT,
            at=moment,
            payload={"documents": [d.pk for d in documents]},
        )


@refusals_logged
def dossiers_link_account(*, user: User, at: datetime | None = None) -> list[Dossier]:
    """The dossiers that carry the personal ID of `user`, VNeID-verified, and no account yet
    (walk-ins before the account existed, imported history) become the account's: one
    `link_account` event each, `vneid_verified` set, the national portal told.

    Inside the caller's transaction (the first VNeID sign-in), so an account is never left
    half-linked. The counter's unsent drafts stay the counter's."""
    moment = at or timezone.now()
    if not user.personal_id or user.vneid_verified_at is None:
        raise PermissionDenied(_("Chỉ tài khoản đã xác thực VNeID được gắn hồ sơ."))
    candidates = (
        Dossier.objects.filter(applicant__isnull=True, applicant_id_number=user.personal_id)
        .exclude(state=State.DRAFT)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    linked = []
    with transaction.atomic(savepoint=False):
        for pk in candidates:
            locked = dossier_lock(pk)
            if record_refusal(user, locked, Record.LINK_ACCOUNT) is not None:
                continue  # linked meanwhile by another sign-in of the same person
            linked.append(
                record_apply(
                    actor=user,
                    dossier=locked,
                    action=Record.LINK_ACCOUNT,
                    at=moment,
                    changes={"applicant": user, "vneid_verified": True},
                )
            )
    return linked
