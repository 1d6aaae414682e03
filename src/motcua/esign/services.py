"""Writes of the e-result: make the result from a template, sign it while approving, and
hand the signed file to the people allowed to have it."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.core.audit import audit_record
from motcua.core.errors import (
    Conflict,
    NotFound,
    PermissionDenied,
    TransitionNotAllowed,
    ValidationFailed,
)
from motcua.core.http import public_url
from motcua.directory.models import Agency, Role, User
from motcua.directory.selectors import user_has_role
from motcua.dossiers.documents import document_attach, issued_results
from motcua.dossiers.lifecycle import (
    Action,
    allowed_actions,
    dossier_lock,
    holds_current_step,
    record_apply,
    transition_apply,
)
from motcua.dossiers.models import Dossier, DossierDocument, State
from motcua.dossiers.selectors import dossiers_visible_to
from motcua.esign.models import SignedResult
from motcua.esign.results import MAX_TEXT, result_file_name, result_pdf
from motcua.esign.signing import signer_get
from motcua.esign.verify import signature_facts

PDF = "application/pdf"


def verification_url(token: str) -> str:
    return public_url(f"/ket-qua/xac-thuc/{token}/")


def result_generate(
    *,
    actor: User,
    dossier: Dossier,
    text: str,
    at: datetime | None = None,
    expected_version: int | None = None,
) -> DossierDocument:
    """A result PDF from the procedure's template, attached as the dossier's result by the
    officer who holds the current step."""
    if not holds_current_step(actor, dossier):
        raise PermissionDenied(
            _("Chỉ cán bộ được giao bước xử lý hiện tại được tạo kết quả cho hồ sơ này.")
        )
    text = (text or "").strip()
    if not text:
        raise ValidationFailed(_("Phải nhập nội dung kết quả."), fields={"text": "required"})
    if len(text) > MAX_TEXT:
        raise ValidationFailed(
            _("Nội dung kết quả quá dài (tối đa %(limit)d ký tự).") % {"limit": MAX_TEXT},
            fields={"text": "too_long"},
        )
    return result_attach(
        actor=actor,
        dossier=dossier,
        pdf=result_pdf(dossier, text=text, at=at),
        file_name=result_file_name(dossier),
        at=at,
        expected_version=expected_version,
        action="esign.generate",
        data={"dossier": dossier.public_code, "procedure": dossier.procedure.code},
    )


def result_attach(
    *,
    actor: User,
    dossier: Dossier,
    pdf: bytes,
    file_name: str,
    at: datetime | None,
    expected_version: int | None,
    action: str,
    data: dict,
) -> DossierDocument:
    """A PDF made by the system attached as the dossier's result (still to be signed), and
    its audit event, in one transaction."""
    upload = SimpleUploadedFile(file_name, pdf, content_type=PDF)
    with transaction.atomic():
        document = document_attach(
            actor=actor,
            dossier=dossier,
            upload=upload,
            kind=DossierDocument.Kind.RESULT,
            at=at,
            expected_version=expected_version,
        )
        audit_record(
            actor=actor,
            action=action,
            object_type="dossier_document",
            object_id=document.pk,
            data=data,
        )
    return document


def signable_results(dossier: Dossier) -> list[DossierDocument]:
    """PDF results of the dossier not signed yet, newest first."""
    return list(
        DossierDocument.objects.filter(
            dossier=dossier,
            kind=DossierDocument.Kind.RESULT,
            content_type=PDF,
            signature__isnull=True,
            reused_from__isnull=True,
        ).order_by("-created_at", "-id")
    )


def signing_agency(dossier: Dossier) -> Agency:
    """The agency approving: the last step's agency when the workflow names one."""
    step = dossier.current_step
    if step is not None and step.agency is not None:
        return step.agency
    return dossier.agency


def may_sign(actor: User | None, dossier: Dossier) -> bool:
    """Only the approver holding the approval step (last step) of the dossier."""
    if actor is None or not actor.is_authenticated or dossier.state != State.IN_PROGRESS:
        return False
    step = dossier.current_step
    # From the steps the page already read with the permissions, when it did.
    last = max(dossier.procedure.steps.all(), key=lambda s: s.position, default=None)
    return (
        step is not None
        and last is not None
        and step.pk == last.pk
        and user_has_role(actor, Role.APPROVER, signing_agency(dossier).pk)
        and Action.APPROVE in allowed_actions(dossier, actor)
    )


def result_sign_and_approve(
    *,
    actor: User,
    dossier: Dossier,
    document: DossierDocument,
    note: str = "",
    expected_version: int | None = None,
    at: datetime | None = None,
) -> SignedResult:
    """Sign the result with the agency's certificate and approve the dossier, in one
    transaction: the signed file replaces the draft, the dossier gets `e_result` and (when the
    applicant has a data store) `result_to_store`, and the index counters move.

    `at` is for the demo, which plays dossiers at historical moments: the approval and the
    recorded signing moment take it, while the signature inside the PDF keeps the real time
    (the certificate may not have existed at `at`)."""
    if not may_sign(actor, dossier):
        if dossier.state != State.IN_PROGRESS:
            raise TransitionNotAllowed(
                _("Hồ sơ không ở bước phê duyệt nên không thể ký số kết quả.")
            )
        raise PermissionDenied(
            _("Chỉ lãnh đạo được giao bước phê duyệt của hồ sơ được ký số và phê duyệt kết quả.")
        )
    if document.dossier_id != dossier.pk or document.kind != DossierDocument.Kind.RESULT:
        raise ValidationFailed(
            _("Tài liệu được chọn không phải kết quả của hồ sơ này."),
            fields={"document": "invalid"},
        )
    if document.content_type != PDF:
        raise ValidationFailed(
            _("Chỉ ký số được kết quả dạng PDF; hãy đính kèm hoặc tạo kết quả PDF."),
            fields={"document": "not_pdf"},
        )
    if SignedResult.objects.filter(document=document).exists():
        raise ValidationFailed(_("Kết quả này đã được ký số."), fields={"document": "signed"})
    with document.file.open("rb") as handle:
        unsigned = handle.read()
    if hashlib.sha256(unsigned).hexdigest() != document.sha256:
        raise ValidationFailed(
            _("Tệp kết quả trên máy chủ không khớp với bản đã đính kèm; hãy đính kèm lại."),
            fields={"document": "changed"},
        )
    agency = signing_agency(dossier)
    token = secrets.token_urlsafe(18)
    # Signing happens before the transaction: it is the slow part, and holding the database
    # lock (SQLite writes queue behind it) while computing it helps nobody.
    signed = signer_get().sign(
        unsigned, agency=agency, signer_user=actor, verify_url=verification_url(token)
    )
    facts = signature_facts(signed)
    digest = hashlib.sha256(signed).hexdigest()
    moment = at or timezone.now()
    with transaction.atomic():
        # One lock for the signature and the approval it completes.
        locked = dossier_lock(dossier, expected_version=expected_version)
        recorded = record_apply(
            actor=actor,
            dossier=locked,
            action="result_signed",
            at=moment,
            payload={"document_id": document.pk, "sha256": digest, "agency": agency.code},
            changes={"e_result": True, "result_to_store": bool(dossier.applicant_id_number)},
        )
        # The dossier row is locked now: a second approver who signed at the same moment
        # finds the work done instead of a duplicate row.
        if (
            recorded.state != State.IN_PROGRESS
            or SignedResult.objects.filter(document_id=document.pk).exists()
        ):
            raise Conflict(
                _("Hồ sơ %(code)s vừa được người khác ký số hoặc phê duyệt; vui lòng tải lại.")
                % {"code": dossier.public_code}
            )
        document.file.save(f"{digest[:16]}", ContentFile(signed), save=False)
        document.sha256 = digest
        document.size = len(signed)
        document.content_type = PDF
        document.save(update_fields=["file", "sha256", "size", "content_type"])
        result = SignedResult.objects.create(
            document=document,
            token=token,
            agency=agency,
            signer=actor,
            signed_at=at or facts.signed_at or moment,
            sha256=digest,
            unsigned_sha256=hashlib.sha256(unsigned).hexdigest(),
            certificate_subject=facts.subject[:500],
            certificate_serial=facts.serial[:64],
            certificate_sha256=facts.sha256,
        )
        transition_apply(
            actor=actor,
            dossier=recorded,
            action=Action.APPROVE,
            at=moment,
            note=note,
            payload={"signed_document_id": document.pk},
        )
        audit_record(
            actor=actor,
            action="esign.sign",
            object_type="dossier_document",
            object_id=document.pk,
            data={
                "dossier": dossier.public_code,
                "agency": agency.code,
                "certificate_sha256": facts.sha256,
                "sha256": digest,
            },
        )
    return result


def result_for_download(*, actor: User | None, document_id: int) -> tuple[DossierDocument, bytes]:
    """The result file for its owner (only an issued result: once the dossier has its result,
    and when it was signed, the signed file — never a draft it replaced) or the staff who may
    read the dossier; every download is audited. Anyone else gets "not found", the same
    answer as for a document that does not exist."""
    missing = NotFound(_("Không tìm thấy kết quả này."))
    if actor is None or not actor.is_authenticated:
        raise missing
    document = (
        DossierDocument.objects.select_related("dossier")
        .filter(pk=document_id, kind=DossierDocument.Kind.RESULT)
        .first()
    )
    if document is None or not dossiers_visible_to(actor).filter(pk=document.dossier_id).exists():
        raise missing
    dossier = document.dossier
    is_owner = dossier.applicant_id == actor.pk
    if is_owner and not issued_results().filter(pk=document.pk).exists():
        # A draft is the agency's: before approval, and for good once a signed result
        # superseded it.
        raise missing
    with document.file.open("rb") as handle:
        data = handle.read()
    audit_record(
        actor=actor,
        action="esign.download",
        object_type="dossier_document",
        object_id=document.pk,
        data={"dossier": dossier.public_code, "as": "owner" if is_owner else "staff"},
    )
    return document, data
