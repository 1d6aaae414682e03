"""The writes of the document exchange, one per intent, each in one transaction with its audit
event: issuing a dossier's letter (`letter_issue`) or a consultation that pauses its clock
(`consultation_ask`) — each numbered in the agency's outgoing register, signed and left on the
outbox topic `docexchange.send` —, receiving a letter (`letter_receive`: the answer to a
consultation matched to its dossier and step, resuming the clock when the step waited for
it), and the clerk's handling of a letter nobody matched (`letter_attach`, `letter_dismiss`)."""

from __future__ import annotations

import uuid
from dataclasses import dataclass
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.core.audit import audit_record
from motcua.core.errors import MotcuaError, NotFound, PermissionDenied, ValidationFailed
from motcua.core.outbox import outbox_write
from motcua.directory.models import Agency, Role, User
from motcua.directory.selectors import user_has_role
from motcua.docexchange.envelope import (
    Attachment,
    EnvelopeRefused,
    Letter,
    envelope_build,
    envelope_read,
)
from motcua.docexchange.keys import our_key, peer_key
from motcua.docexchange.models import DocumentSequence, OfficialDocument, Peer
from motcua.dossiers.letters import letter_pdf
from motcua.dossiers.lifecycle import (
    Action,
    dossier_lock,
    refusals_logged,
    transition_apply,
    transition_refusal,
)
from motcua.dossiers.models import Dossier, DossierDocument, DossierEvent, State
from motcua.dossiers.selectors import dossier_get_for_actor

TOPIC = "docexchange.send"
STAFF_ROLES = (Role.RECEPTION, Role.SPECIALIST, Role.APPROVER)
Kind = OfficialDocument.Kind
Status = OfficialDocument.Status
Direction = OfficialDocument.Direction

# Ký hiệu by kind (the agency's code follows) and the type named in the envelope.
_NOTATION: dict[str, str] = {
    Kind.CONSULTATION: "CV",
    Kind.RESULT: "KQ",
    Kind.APOLOGY: "PXL",
    Kind.REFUSAL: "PTC",
}
_DOC_TYPE: dict[str, str] = {
    Kind.CONSULTATION: "Công văn",
    Kind.RESULT: "Kết quả giải quyết thủ tục hành chính",
    Kind.APOLOGY: "Phiếu xin lỗi và hẹn lại ngày trả kết quả",
    Kind.REFUSAL: "Phiếu từ chối giải quyết hồ sơ",
}
ISSUABLE = (Kind.RESULT, Kind.APOLOGY, Kind.REFUSAL)


class Duplicate(MotcuaError):
    code = "duplicate"
    status = 409

    def __init__(self, message: str, *, receipt: str):
        super().__init__(message)
        self.receipt = receipt


def is_staff_of(actor: User | None, agency_id: int) -> bool:
    return any(user_has_role(actor, role, agency_id) for role in STAFF_ROLES)


def _staff_check(actor: User | None, agency_id: int) -> None:
    if not is_staff_of(actor, agency_id):
        raise PermissionDenied(
            _("Chỉ cán bộ một cửa, chuyên viên hoặc lãnh đạo của cơ quan được làm việc này.")
        )


def _peer(code: str) -> Peer:
    peer = Peer.objects.filter(code=code, active=True).first()
    if peer is None:
        raise ValidationFailed(
            _("Cơ quan nhận %(code)s chưa được đăng ký trao đổi văn bản.") % {"code": code or "—"},
            fields={"recipient": "unknown"},
        )
    return peer


def _subject(text: str) -> str:
    text = " ".join((text or "").split())
    if not text:
        raise ValidationFailed(_("Phải ghi trích yếu văn bản."), fields={"subject": "required"})
    if len(text) > 1000:
        raise ValidationFailed(
            _("Trích yếu không quá 1.000 ký tự."), fields={"subject": "too_long"}
        )
    return text


def _number_next(agency: Agency, year: int) -> int:
    DocumentSequence.objects.get_or_create(agency=agency, year=year)
    row = DocumentSequence.objects.select_for_update().get(agency=agency, year=year)
    row.last += 1
    row.save(update_fields=["last"])
    return row.last


def _position(actor: User, agency_id: int) -> str:
    for role in (Role.APPROVER, Role.SPECIALIST, Role.RECEPTION):
        if user_has_role(actor, role, agency_id):
            return str(Role(role).label)
    return ""


@dataclass(frozen=True)
class _Outgoing:
    kind: str
    dossier: Dossier
    peer: Peer
    subject: str
    attachments: tuple[Attachment, ...]


def _send(actor: User, outgoing: _Outgoing, *, awaits_answer: bool = False) -> OfficialDocument:
    """Number, sign and store the letter and leave it on the outbox (in the caller's
    transaction)."""
    key = our_key()
    dossier = outgoing.dossier
    now = timezone.now()
    issued_on = timezone.localdate(now)
    number = _number_next(dossier.agency, issued_on.year)
    letter = Letter(
        envelope_id=str(uuid.uuid4()),
        sender_code=dossier.agency.code,
        sender_name=dossier.agency.name,
        recipients=(outgoing.peer.code,),
        number=number,
        notation=f"{_NOTATION[outgoing.kind]}-{dossier.agency.code}",
        issued_on=issued_on,
        doc_type=_DOC_TYPE[outgoing.kind],
        subject=outgoing.subject,
        signer_name=actor.full_name or actor.username,
        signer_position=_position(actor, dossier.agency_id),
        attachments=outgoing.attachments,
    )
    document = OfficialDocument.objects.create(
        direction=Direction.OUT,
        kind=outgoing.kind,
        status=Status.QUEUED,
        agency=dossier.agency,
        **_letter_columns(letter),
        envelope=envelope_build(letter, key=key),
        dossier=dossier,
        step=dossier.current_step,
        awaits_answer=awaits_answer,
        created_by=actor,
        created_at=now,
    )
    outbox_write(topic=TOPIC, payload={"document_id": document.pk})
    audit_record(
        actor=actor,
        action="docexchange.issue",
        object_type="official_document",
        object_id=document.pk,
        data={"kind": outgoing.kind, "dossier": dossier.public_code, "to": outgoing.peer.code},
    )
    return document


def _letter_columns(letter: Letter) -> dict[str, Any]:
    """What a stored letter keeps of its envelope, either way (the files by name, type, hash
    and size; their bytes stay in the envelope)."""
    return {
        "envelope_id": letter.envelope_id,
        "sender_code": letter.sender_code,
        "sender_name": letter.sender_name,
        "recipients": list(letter.recipients),
        "number": letter.number,
        "notation": letter.notation,
        "issued_on": letter.issued_on,
        "doc_type": letter.doc_type,
        "subject": letter.subject,
        "signer_name": letter.signer_name,
        "signer_position": letter.signer_position,
        "response_code": letter.response_code,
        "attachments": [
            {
                "name": a.name,
                "content_type": a.content_type,
                "sha256": a.sha256,
                "size": len(a.data),
            }
            for a in letter.attachments
        ],
    }


def _letter_of(dossier: Dossier, kind: str) -> tuple[Attachment, ...]:
    """The letter the system already produced for the dossier, as the envelope's attachment;
    refuses a kind the dossier does not have."""
    code = dossier.public_code
    if kind == Kind.RESULT:
        result = dossier.documents.filter(kind=DossierDocument.Kind.RESULT).order_by("-pk").first()
        if result is None or dossier.finished_at is None:
            raise ValidationFailed(
                _("Hồ sơ %(code)s chưa có kết quả giải quyết đã phê duyệt.") % {"code": code},
                fields={"kind": "not_available"},
            )
        with result.file.open("rb") as stream:
            data = stream.read()
        return (Attachment(name=result.name, content_type="application/pdf", data=data),)
    if kind in (Kind.APOLOGY, Kind.REFUSAL):
        action = "apology" if kind == Kind.APOLOGY else Action.REFUSE
        if not DossierEvent.objects.filter(dossier=dossier, action=action).exists():
            raise ValidationFailed(
                _("Hồ sơ %(code)s chưa có %(kind)s.")
                % {"code": code, "kind": str(Kind(kind).label).lower()},
                fields={"kind": "not_available"},
            )
        return (
            Attachment(
                name=f"{kind}-{code}.pdf",
                content_type="application/pdf",
                data=letter_pdf(dossier, kind),
            ),
        )
    raise ValidationFailed(_("Loại văn bản không hợp lệ."), fields={"kind": "invalid"})


@refusals_logged
def letter_issue(*, actor: User, dossier_code: str, kind: str, recipient: str) -> OfficialDocument:
    """Issue the dossier's result, apology or refusal as an official document to `recipient`
    (once per kind and recipient)."""
    dossier = dossier_get_for_actor(actor, dossier_code)
    _staff_check(actor, dossier.agency_id)
    if kind not in ISSUABLE:
        raise ValidationFailed(_("Loại văn bản không hợp lệ."), fields={"kind": "invalid"})
    peer = _peer(recipient)
    attachments = _letter_of(dossier, kind)
    with transaction.atomic():
        locked = dossier_lock(dossier.pk)
        if _issued_before(locked, kind, peer.code):
            raise ValidationFailed(
                _("%(kind)s của hồ sơ %(code)s đã được gửi tới %(peer)s.")
                % {"kind": Kind(kind).label, "code": locked.public_code, "peer": peer.name},
                fields={"kind": "already_issued"},
            )
        subject = _("%(kind)s hồ sơ %(code)s — %(procedure)s") % {
            "kind": Kind(kind).label,
            "code": locked.public_code,
            "procedure": dossier.procedure.name,
        }
        return _send(
            actor,
            _Outgoing(
                kind=kind,
                dossier=locked,
                peer=peer,
                subject=_subject(subject)[:1000],
                attachments=attachments,
            ),
        )


def _issued_before(dossier: Dossier, kind: str, code: str) -> bool:
    return any(
        code in (recipients or [])
        for recipients in OfficialDocument.objects.filter(
            dossier=dossier, direction=Direction.OUT, kind=kind
        ).values_list("recipients", flat=True)
    )


def _suspension_reason(peer: Peer, code: str) -> str:
    return _("Xin ý kiến %(peer)s tại văn bản số %(code)s; chờ văn bản trả lời.") % {
        "peer": peer.name,
        "code": code,
    }


@refusals_logged
def consultation_ask(
    *,
    actor: User,
    dossier_code: str,
    recipient: str,
    subject: str,
    expected_version: int | None = None,
) -> OfficialDocument:
    """Ask another organ's opinion on the dossier from its current step: the consultation
    letter goes out and the dossier is suspended (its clock paused) until the answer quoting
    the letter's number comes in (`letter_receive`)."""
    dossier = dossier_get_for_actor(actor, dossier_code)
    peer = _peer(recipient)
    text = _subject(subject)
    with transaction.atomic():
        locked = dossier_lock(dossier.pk, expected_version=expected_version)
        refusal = transition_refusal(actor, locked, Action.SUSPEND)
        if refusal is not None:
            raise refusal
        document = _send(
            actor,
            _Outgoing(
                kind=Kind.CONSULTATION, dossier=locked, peer=peer, subject=text, attachments=()
            ),
            awaits_answer=True,
        )
        reason = _suspension_reason(peer, document.code)
        transition_apply(
            actor=actor,
            dossier=locked,
            action=Action.SUSPEND,
            note=reason,
            payload={
                "kind": Dossier.SuspendKind.OTHER,
                "reason": reason,
                "consultation": document.code,
            },
        )
        return document


@dataclass(frozen=True)
class Received:
    document: OfficialDocument
    resumed: bool


def letter_receive(*, body: bytes) -> Received:
    """Receive one envelope from a document-management system: verified against its sender's
    registered key, addressed to one of our agencies, once per sender and envelope id; an
    answer to one of our consultations is matched to its dossier and step and, when the step
    waits for it, resumes the clock. Everything else waits for a clerk."""
    try:
        letter = envelope_read(body, key_for=peer_key)
    except EnvelopeRefused as refused:
        raise ValidationFailed(refused.message, code=refused.code) from refused
    agency = Agency.objects.filter(code__in=letter.recipients).order_by("pk").first()
    if agency is None:
        raise ValidationFailed(
            _("Không có cơ quan nhận nào trong phong bì thuộc hệ thống này: %(codes)s.")
            % {"codes": ", ".join(letter.recipients)},
            code="unknown_recipient",
        )
    try:
        with transaction.atomic():
            return _receive(letter, agency, body)
    except IntegrityError:
        pass  # the same envelope committed by a concurrent request meanwhile
    raise _duplicate(letter)


def _duplicate(letter: Letter) -> Duplicate:
    first = OfficialDocument.objects.get(
        sender_code=letter.sender_code, envelope_id=letter.envelope_id
    )
    at = timezone.localtime(first.created_at).strftime("%H:%M %d/%m/%Y")
    return Duplicate(
        _("Văn bản có mã phong bì %(id)s đã được nhận lúc %(at)s.")
        % {"id": letter.envelope_id, "at": at},
        receipt=str(first.pk),
    )


def _receive(letter: Letter, agency: Agency, body: bytes) -> Received:
    if OfficialDocument.objects.filter(
        sender_code=letter.sender_code, envelope_id=letter.envelope_id
    ).exists():
        raise _duplicate(letter)
    now = timezone.now()
    asked = _consultation_answered(letter)
    outcome, resumed = "", False
    if asked is not None:
        outcome, resumed = _resume(asked, letter, now)
    document = OfficialDocument.objects.create(
        direction=Direction.IN,
        kind=Kind.INCOMING,
        status=Status.MATCHED if asked is not None else Status.UNMATCHED,
        agency=agency if asked is None else asked.agency,
        **_letter_columns(letter),
        envelope=body,
        dossier=asked.dossier if asked is not None else None,
        step=asked.step if asked is not None else None,
        answers=asked,
        outcome=outcome,
        created_at=now,
    )
    audit_record(
        actor=None,
        action="docexchange.receive",
        object_type="official_document",
        object_id=document.pk,
        data={
            "from": letter.sender_code,
            "code": letter.code,
            "matched": asked.dossier.public_code if asked and asked.dossier else "",
            "resumed": resumed,
        },
    )
    return Received(document=document, resumed=resumed)


def _consultation_answered(letter: Letter) -> OfficialDocument | None:
    """Our consultation the letter answers: sent by the organ it names, under the number and
    notation it quotes, to the letter's sender."""
    number, _slash, notation = letter.response_code.partition("/")
    if not (letter.response_organ and number.strip().isdigit() and notation.strip()):
        return None
    candidates = OfficialDocument.objects.select_for_update().filter(
        direction=Direction.OUT,
        kind=Kind.CONSULTATION,
        sender_code=letter.response_organ,
        number=int(number),
        notation=notation.strip(),
        dossier__isnull=False,
    )
    for asked in candidates.order_by("-created_at"):
        if letter.sender_code in (asked.recipients or []):
            return asked
    return None


def _resume(asked: OfficialDocument, letter: Letter, now) -> tuple[str, bool]:
    """Resume the dossier the consultation paused, through the lifecycle, on behalf of the
    officer who asked (the step's holder then); when the dossier no longer waits for it, or
    that officer may not resume it now, say why and leave it to the officers."""
    assert asked.dossier_id is not None
    if not asked.awaits_answer:
        return _("Đã có văn bản trả lời trước đó; không thay đổi thời hạn."), False
    asked.awaits_answer = False
    asked.save(update_fields=["awaits_answer"])
    locked = dossier_lock(asked.dossier_id)
    suspension = (
        DossierEvent.objects.filter(dossier=locked, action=Action.SUSPEND).order_by("-seq").first()
    )
    waits = (
        locked.state == State.SUSPENDED
        and suspension is not None
        and (suspension.payload or {}).get("consultation") == asked.code
    )
    if not waits:
        return _("Hồ sơ không còn tạm dừng chờ văn bản này; không thay đổi thời hạn."), False
    refusal = transition_refusal(asked.created_by, locked, Action.RESUME)
    if refusal is not None:
        return refusal.message, False
    note = _("Nhận văn bản trả lời số %(code)s của %(sender)s.") % {
        "code": letter.code,
        "sender": letter.sender_name or letter.sender_code,
    }
    transition_apply(
        actor=asked.created_by,
        dossier=locked,
        action=Action.RESUME,
        at=now,
        note=note,
        payload={"answer": letter.code, "from": letter.sender_code, "consultation": asked.code},
    )
    return _("Đã tiếp tục xử lý hồ sơ; thời hạn được lùi theo thời gian tạm dừng."), True


def _incoming_locked(actor: User, document_id: int) -> OfficialDocument:
    document = (
        OfficialDocument.objects.select_for_update()
        .filter(pk=document_id, direction=Direction.IN)
        .first()
    )
    if document is None or not is_staff_of(actor, document.agency_id):
        raise NotFound(_("Không tìm thấy văn bản đến này."))
    if document.status != Status.UNMATCHED:
        raise ValidationFailed(
            _("Văn bản số %(code)s đã được xử lý (%(status)s).")
            % {"code": document.code, "status": Status(document.status).label},
            code="already_handled",
        )
    return document


def letter_attach(*, actor: User, document_id: int, dossier_code: str) -> OfficialDocument:
    """A clerk attaches a letter nobody matched to a dossier of the agency it was sent to."""
    code = (dossier_code or "").strip()
    if not code:
        raise ValidationFailed(_("Phải nhập mã hồ sơ."), fields={"dossier": "required"})
    with transaction.atomic():
        document = _incoming_locked(actor, document_id)
        dossier = dossier_get_for_actor(actor, code)
        if dossier.agency_id != document.agency_id:
            raise ValidationFailed(
                _("Hồ sơ %(code)s không do %(agency)s giải quyết.")
                % {"code": dossier.public_code, "agency": document.agency.name},
                fields={"dossier": "other_agency"},
            )
        document.dossier = dossier
        document.step = dossier.current_step
        document.status = Status.ATTACHED
        document.handled_by = actor
        document.handled_at = timezone.now()
        document.save(update_fields=["dossier", "step", "status", "handled_by", "handled_at"])
        audit_record(
            actor=actor,
            action="docexchange.attach",
            object_type="official_document",
            object_id=document.pk,
            data={"dossier": dossier.public_code},
        )
        return document


def letter_dismiss(*, actor: User, document_id: int, reason: str) -> OfficialDocument:
    """A clerk sets aside a letter that concerns no dossier, saying why."""
    reason = " ".join((reason or "").split())
    if not reason:
        raise ValidationFailed(_("Phải ghi lý do loại văn bản."), fields={"reason": "required"})
    if len(reason) > 500:
        raise ValidationFailed(_("Lý do không quá 500 ký tự."), fields={"reason": "too_long"})
    with transaction.atomic():
        document = _incoming_locked(actor, document_id)
        document.status = Status.DISMISSED
        document.dismiss_reason = reason
        document.handled_by = actor
        document.handled_at = timezone.now()
        document.save(update_fields=["status", "dismiss_reason", "handled_by", "handled_at"])
        audit_record(
            actor=actor,
            action="docexchange.dismiss",
            object_type="official_document",
            object_id=document.pk,
            data={"reason": reason},
        )
        return document
