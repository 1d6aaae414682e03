"""Files of a dossier: upload with type sniffed from content, digitisation, reuse of earlier
results from the applicant's data store (§7 `digitized`, `reused`), each only for a required
document that accepts results of its kind (`RequiredDocument.accepts_results_of`)."""

from __future__ import annotations

import hashlib
from datetime import datetime

import filetype
from django.conf import settings
from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.catalog.coverage import documents_covered_in
from motcua.catalog.models import RequiredDocument
from motcua.core.errors import MotcuaError, NotFound, PermissionDenied, ValidationFailed
from motcua.directory.models import Role, User
from motcua.directory.selectors import user_has_role
from motcua.dossiers.lifecycle import dossier_record, holds_current_step
from motcua.dossiers.models import Dossier, DossierDocument, State

ALLOWED_TYPES = {"application/pdf": "PDF", "image/jpeg": "JPEG", "image/png": "PNG"}
APPLICANT_EDITABLE = (State.DRAFT, State.SUPPLEMENT_REQUESTED)
# A result is the agency's draft until the dossier is approved; only then is it issued.
ISSUED_STATES = (State.RESULT_READY, State.RETURNED)
# The event of a result attached or generated while processing: internal, it tells nobody
# outside the agency anything and is not yet an e-result (§7 counts it at approval).
RESULT_DRAFTED = "result_drafted"


def _is_staff_of(actor: User | None, dossier: Dossier, *roles: str) -> bool:
    return any(user_has_role(actor, role, dossier.agency_id) for role in roles)


def upload_check(upload: UploadedFile) -> tuple[bytes, str]:
    """The bytes and the content type sniffed from them; refuses what is too big or not a
    PDF/JPEG/PNG whatever its name says."""
    limit = settings.MOTCUA_MAX_UPLOAD_BYTES
    if upload.size is not None and upload.size > limit:
        raise ValidationFailed(
            _("Tệp “%(name)s” dung lượng %(size).1f MB, vượt giới hạn %(limit)d MB.")
            % {"name": upload.name, "size": upload.size / 1048576, "limit": limit // 1048576},
            fields={"file": "too_large"},
        )
    data = upload.read(limit + 1)
    if len(data) > limit:
        raise ValidationFailed(
            _("Tệp “%(name)s” vượt giới hạn %(limit)d MB.")
            % {"name": upload.name, "limit": limit // 1048576},
            fields={"file": "too_large"},
        )
    if not data:
        raise ValidationFailed(
            _("Tệp “%(name)s” rỗng.") % {"name": upload.name}, fields={"file": "empty"}
        )
    kind = filetype.guess(data)
    if kind is None or kind.mime not in ALLOWED_TYPES:
        raise ValidationFailed(
            _(
                "Tệp “%(name)s” không phải PDF, JPEG hoặc PNG (nội dung tệp được kiểm tra, "
                "không dựa vào tên tệp)."
            )
            % {"name": upload.name},
            fields={"file": "type"},
        )
    return data, kind.mime


def _attach_refusal(actor: User | None, dossier: Dossier, kind: str) -> MotcuaError | None:
    """Why the actor may not attach a file of this kind to the dossier as it is now, or None.

    A result is work on the dossier's content: only the officer holding the current step (the
    assignee when one is named) adds one, and only while the dossier is being processed."""
    if kind == DossierDocument.Kind.RESULT:
        if holds_current_step(actor, dossier):
            return None
        if dossier.state != State.IN_PROGRESS and _is_staff_of(
            actor, dossier, Role.SPECIALIST, Role.APPROVER
        ):
            return ValidationFailed(
                _(
                    "Chỉ đính kèm kết quả khi hồ sơ đang được xử lý; hồ sơ đang ở trạng thái "
                    "“%(state)s”."
                )
                % {"state": State(dossier.state).label},
                fields={"state": "invalid"},
            )
        return PermissionDenied(
            _("Chỉ cán bộ được giao bước xử lý hiện tại được đính kèm kết quả cho hồ sơ này.")
        )
    if actor is None or not actor.is_authenticated:
        allowed = False
    elif kind == DossierDocument.Kind.SUBMITTED:
        allowed = (dossier.applicant_id == actor.pk and dossier.state in APPLICANT_EDITABLE) or (
            _is_staff_of(actor, dossier, Role.RECEPTION)
            and dossier.state in (*APPLICANT_EDITABLE, State.SUBMITTED)
        )
    else:
        allowed = _is_staff_of(actor, dossier, Role.RECEPTION)
    if allowed:
        return None
    return PermissionDenied(_("Bạn không được đính kèm tài liệu này vào hồ sơ."))


def document_attach(
    *,
    actor: User,
    dossier: Dossier,
    upload: UploadedFile,
    kind: str,
    required_document: RequiredDocument | None = None,
    at: datetime | None = None,
) -> DossierDocument:
    """Attach a file: the applicant while the dossier is theirs to edit, the counter's scans,
    or the result by the officer holding the current step while the dossier is processed.

    Permission is judged twice: on the caller's copy, to refuse before reading the upload,
    and on the locked row, which decides (the step may have moved on since the caller read
    it). Every check comes before the file is written, so a refusal leaves no file behind."""
    if kind not in DossierDocument.Kind.values:
        raise ValidationFailed(_("Loại tài liệu không hợp lệ."), fields={"kind": "invalid"})
    refusal = _attach_refusal(actor, dossier, kind)
    if refusal is not None:
        raise refusal
    if required_document is not None and required_document.procedure_id != dossier.procedure_id:
        raise ValidationFailed(
            _("Thành phần hồ sơ không thuộc thủ tục này."), fields={"required_document": "invalid"}
        )
    data, content_type = upload_check(upload)
    moment = at or timezone.now()
    digest = hashlib.sha256(data).hexdigest()
    with transaction.atomic():
        locked = (
            Dossier.objects.select_for_update(of=("self",))
            .select_related("current_step", "procedure", "agency")
            .filter(pk=dossier.pk)
            .first()
        )
        if locked is None:
            raise NotFound(_("Không tìm thấy hồ sơ."))
        refusal = _attach_refusal(actor, locked, kind)
        if refusal is not None:
            raise refusal
        document = DossierDocument(
            dossier=locked,
            kind=kind,
            required_document=required_document,
            name=(upload.name or "tep")[:255],
            content_type=content_type,
            size=len(data),
            sha256=digest,
            uploaded_by=actor,
            created_at=moment,
        )
        document.file.save(f"{digest[:16]}", ContentFile(data), save=False)
        document.save()
        dossier_record(
            actor=actor,
            dossier=locked,
            at=moment,
            action=RESULT_DRAFTED if kind == DossierDocument.Kind.RESULT else "attach",
            payload={
                "document_id": document.pk,
                "kind": kind,
                "required_document_id": required_document.pk if required_document else None,
            },
        )
    return document


def missing_for_digitization(dossier: Dossier) -> list[RequiredDocument]:
    """Required (non-optional) documents without a scan or a reused result; the declaration
    that a filled e-form replaces is already electronic (catalog.coverage)."""
    scanned = set(
        dossier.documents.filter(kind=DossierDocument.Kind.SCAN).values_list(
            "required_document_id", flat=True
        )
    )
    documents = list(dossier.procedure.documents.all())
    covered = scanned | documents_covered_in(dossier, documents)
    return [d for d in documents if not d.optional and d.pk not in covered]


def dossier_mark_digitized(*, actor: User, dossier: Dossier, at: datetime | None = None) -> Dossier:
    if not _is_staff_of(actor, dossier, Role.RECEPTION):
        raise PermissionDenied(_("Chỉ cán bộ một cửa của cơ quan được số hóa hồ sơ."))
    if dossier.received_at is None:
        raise ValidationFailed(_("Chỉ số hóa hồ sơ đã tiếp nhận."), fields={"state": "invalid"})
    missing = missing_for_digitization(dossier)
    if missing:
        raise ValidationFailed(
            _("Còn thiếu bản quét: %(names)s.") % {"names": "; ".join(d.name for d in missing)},
            fields={"documents": "missing"},
        )
    with transaction.atomic():
        return dossier_record(
            actor=actor, dossier=dossier, action="digitize", at=at, changes={"digitized": True}
        )


def issued_results() -> QuerySet[DossierDocument]:
    """Results the agency has issued: those of approved dossiers, and of a dossier with a
    signed result only the signed one (the drafts it replaced were never issued).

    `signature` is esign's reverse one-to-one (`SignedResult.document`), named by string:
    esign imports dossiers, so dossiers cannot import esign."""
    signed_sibling = DossierDocument.objects.filter(
        dossier=OuterRef("dossier"), kind=DossierDocument.Kind.RESULT, signature__isnull=False
    )
    return DossierDocument.objects.filter(
        kind=DossierDocument.Kind.RESULT,
        reused_from__isnull=True,
        dossier__state__in=ISSUED_STATES,
    ).filter(Q(signature__isnull=False) | ~Exists(signed_sibling))


def store_documents_of(applicant_id_number: str) -> QuerySet[DossierDocument]:
    """The applicant's personal data store: the issued results of their dossiers."""
    if not applicant_id_number:
        # Dossiers without an ID number belong to nobody's store.
        return DossierDocument.objects.none()
    return (
        issued_results()
        .filter(dossier__applicant_id_number=applicant_id_number)
        .select_related("dossier", "dossier__procedure")
    )


def result_fits(required_document: RequiredDocument, source: DossierDocument) -> bool:
    """An issued result may stand in for a required document only when it is of the kind the
    document asks for: the result of one of the procedures the catalog names for it."""
    return source.dossier.procedure.code in (required_document.accepts_results_of or [])


def store_documents_for(
    applicant_id_number: str, required_document: RequiredDocument
) -> QuerySet[DossierDocument]:
    """The applicant's issued results that may stand in for this required document."""
    return store_documents_of(applicant_id_number).filter(
        dossier__procedure__code__in=list(required_document.accepts_results_of or [])
    )


def document_reuse(
    *,
    actor: User,
    dossier: Dossier,
    source: DossierDocument,
    required_document: RequiredDocument,
    at: datetime | None = None,
) -> DossierDocument:
    """Link an earlier result of the same person instead of a new scan or upload."""
    is_owner = dossier.applicant_id == actor.pk and dossier.state in APPLICANT_EDITABLE
    if not (is_owner or _is_staff_of(actor, dossier, Role.RECEPTION)):
        raise PermissionDenied(_("Bạn không được sử dụng lại tài liệu cho hồ sơ này."))
    in_store = (
        store_documents_of(dossier.applicant_id_number)
        .exclude(dossier_id=dossier.pk)
        .filter(pk=source.pk)
        .exists()
    )
    if not in_store:
        raise ValidationFailed(
            _("Chỉ sử dụng lại kết quả đã cấp của hồ sơ trước của chính người nộp."),
            fields={"source": "invalid"},
        )
    if required_document.procedure_id != dossier.procedure_id:
        raise ValidationFailed(
            _("Thành phần hồ sơ không thuộc thủ tục này."), fields={"required_document": "invalid"}
        )
    if not result_fits(required_document, source):
        raise ValidationFailed(
            _(
                "Kết quả “%(name)s” (%(procedure)s) không phải loại giấy tờ “%(document)s” yêu "
                "cầu; hãy chọn kết quả phù hợp hoặc tải tệp lên."
            )
            % {
                "name": source.name,
                "procedure": source.dossier.procedure.name,
                "document": required_document.name,
            },
            fields={"source": "kind"},
        )
    moment = at or timezone.now()
    with transaction.atomic():
        document = DossierDocument.objects.create(
            dossier=dossier,
            kind=DossierDocument.Kind.SCAN if not is_owner else DossierDocument.Kind.SUBMITTED,
            required_document=required_document,
            file=source.file.name,
            name=source.name,
            content_type=source.content_type,
            size=source.size,
            sha256=source.sha256,
            reused_from=source,
            uploaded_by=actor,
            created_at=moment,
        )
        dossier_record(
            actor=actor,
            dossier=dossier,
            action="reuse",
            at=moment,
            payload={"document_id": document.pk, "source_dossier": source.dossier.public_code},
            changes={"reused_data": True},
        )
    return document
