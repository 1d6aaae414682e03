"""Files of a dossier: upload with type sniffed from content, digitisation, reuse of earlier
results from the applicant's data store (§7 `digitized`, `reused`), each only for a required
document that accepts results of its kind (`RequiredDocument.accepts_results_of`)."""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.core.files.base import ContentFile
from django.core.files.uploadedfile import UploadedFile
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.catalog.coverage import documents_covered_in
from motcua.catalog.models import RequiredDocument
from motcua.core.errors import MotcuaError, PermissionDenied, ValidationFailed
from motcua.core.uploads import upload_check
from motcua.directory.models import Role, User
from motcua.directory.selectors import user_has_role
from motcua.dossiers.lifecycle import Record, dossier_lock, record_apply, record_refusal
from motcua.dossiers.lifecycle.refusals import refusals_logged
from motcua.dossiers.models import Dossier, DossierDocument, State, StoredDocument
from motcua.dossiers.store import document_kind, store_add_submitted, store_in

APPLICANT_EDITABLE = (State.DRAFT, State.SUPPLEMENT_REQUESTED)
# A result is the agency's draft until the dossier is approved; only then is it issued.
ISSUED_STATES = (State.RESULT_READY, State.RETURNED)
# The event of a result attached or generated while processing: internal, it tells nobody
# outside the agency anything and is not yet an e-result (§7 counts it at approval).
RESULT_DRAFTED = Record.RESULT_DRAFTED


def _is_staff_of(actor: User | None, dossier: Dossier, *roles: str) -> bool:
    return any(user_has_role(actor, role, dossier.agency_id) for role in roles)


def _attach_refusal(actor: User | None, dossier: Dossier, kind: str) -> MotcuaError | None:
    """Why the actor may not attach a file of this kind to the dossier as it is now, or None.

    A result is work on the dossier's content (`Record.RESULT_DRAFTED`: only the officer
    holding the current step, while it is processed); the applicant's papers and the counter's
    scans are `Record.ATTACH`, the counter adding the applicant's papers only until reception."""
    if kind == DossierDocument.Kind.RESULT:
        return record_refusal(actor, dossier, Record.RESULT_DRAFTED)
    refusal = record_refusal(actor, dossier, Record.ATTACH)
    if refusal is not None:
        return refusal
    is_owner = actor is not None and dossier.applicant_id == actor.pk
    counter_late = dossier.state not in (*APPLICANT_EDITABLE, State.SUBMITTED)
    if kind == DossierDocument.Kind.SUBMITTED and not is_owner and counter_late:
        return PermissionDenied(_("Bạn không được đính kèm tài liệu này vào hồ sơ."))
    if kind == DossierDocument.Kind.SCAN and not _is_staff_of(actor, dossier, Role.RECEPTION):
        return PermissionDenied(_("Bạn không được đính kèm tài liệu này vào hồ sơ."))
    return None


@dataclass(frozen=True)
class Attachment:
    """One file posted for a required document: an upload, or an earlier result reused."""

    required_document: RequiredDocument | None
    upload: UploadedFile | None = None
    source: DossierDocument | None = None


def _store_upload(
    *,
    actor: User,
    dossier: Dossier,
    upload: UploadedFile,
    kind: str,
    required_document: RequiredDocument | None,
    at: datetime,
) -> DossierDocument:
    data, content_type = upload_check(upload)
    digest = hashlib.sha256(data).hexdigest()
    document = DossierDocument(
        dossier=dossier,
        kind=kind,
        required_document=required_document,
        name=(upload.name or "tep")[:255],
        content_type=content_type,
        size=len(data),
        sha256=digest,
        uploaded_by=actor,
        created_at=at,
    )
    document.file.save(f"{digest[:16]}", ContentFile(data), save=False)
    document.save()
    return document


def _document_refusal(dossier: Dossier, required_document: RequiredDocument | None) -> None:
    if required_document is not None and required_document.procedure_id != dossier.procedure_id:
        raise ValidationFailed(
            _("Thành phần hồ sơ không thuộc thủ tục này."), fields={"required_document": "invalid"}
        )


def documents_attach_locked(
    *,
    actor: User,
    dossier: Dossier,
    files: list[Attachment],
    kind: str,
    at: datetime | None = None,
) -> list[DossierDocument]:
    """The files posted together, on a row the caller locked (`dossier_lock`) and checked:
    every file is checked before any is written, then one event per intent — one `attach`
    (or `result_drafted`) for the uploads, one `reuse` for the earlier results."""
    moment = at or timezone.now()
    uploads = [f for f in files if f.upload is not None]
    reuses = [f for f in files if f.upload is None and f.source is not None]
    for item in files:
        _document_refusal(dossier, item.required_document)
    for item in uploads:
        assert item.upload is not None
        upload_check(item.upload)
        item.upload.seek(0)
    is_owner = dossier.applicant_id == actor.pk
    for item in reuses:
        assert item.source is not None and item.required_document is not None
        _reuse_check(dossier, item.source, item.required_document)
    stored = [
        _store_upload(
            actor=actor,
            dossier=dossier,
            upload=item.upload,
            kind=kind,
            required_document=item.required_document,
            at=moment,
        )
        for item in uploads
        if item.upload is not None
    ]
    if kind == DossierDocument.Kind.SUBMITTED and is_owner:
        # The applicant's own uploads land in their data store (dossiers.store).
        store_add_submitted(dossier=dossier, documents=stored, at=moment)
    if stored:
        payload: dict[str, Any] = (
            {
                "document_id": stored[0].pk,
                "kind": kind,
                "required_document_id": stored[0].required_document_id,
            }
            if len(stored) == 1
            else {"documents": [d.pk for d in stored], "kind": kind}
        )
        record_apply(
            actor=actor,
            dossier=dossier,
            at=moment,
            action=Record.RESULT_DRAFTED if kind == DossierDocument.Kind.RESULT else Record.ATTACH,
            payload=payload,
        )
    linked = [
        DossierDocument.objects.create(
            dossier=dossier,
            kind=DossierDocument.Kind.SUBMITTED if is_owner else DossierDocument.Kind.SCAN,
            required_document=item.required_document,
            file=item.source.file.name,
            name=item.source.name,
            content_type=item.source.content_type,
            size=item.source.size,
            sha256=item.source.sha256,
            reused_from=item.source,
            uploaded_by=actor,
            created_at=moment,
        )
        for item in reuses
        if item.source is not None
    ]
    if linked:
        sources = [item.source.dossier.public_code for item in reuses if item.source is not None]
        record_apply(
            actor=actor,
            dossier=dossier,
            action=Record.REUSE,
            at=moment,
            payload=(
                {"document_id": linked[0].pk, "source_dossier": sources[0]}
                if len(linked) == 1
                else {"documents": [d.pk for d in linked], "source_dossiers": sources}
            ),
            changes={"reused_data": True},
        )
    return [*stored, *linked]


@refusals_logged
def documents_attach(
    *,
    actor: User,
    dossier: Dossier,
    files: list[Attachment],
    kind: str,
    expected_version: int | None = None,
    at: datetime | None = None,
) -> list[DossierDocument]:
    """One intent: the files posted together (uploads and earlier results), by the applicant
    while the dossier is theirs to edit, the counter's scans, or the result by the officer
    holding the current step. Locks once, checks everything on the locked row before any file
    is written (a refusal leaves no file behind), one event per kind of file."""
    if kind not in DossierDocument.Kind.values:
        raise ValidationFailed(_("Loại tài liệu không hợp lệ."), fields={"kind": "invalid"})
    if not files:
        raise ValidationFailed(_("Chưa chọn tệp nào để đính kèm."), fields={"file": "required"})
    with transaction.atomic():
        locked = dossier_lock(dossier, expected_version=expected_version)
        refusal = _attach_refusal(actor, locked, kind)
        if refusal is None and any(f.upload is None for f in files):
            refusal = record_refusal(actor, locked, Record.REUSE)
        if refusal is not None:
            raise refusal
        return documents_attach_locked(actor=actor, dossier=locked, files=files, kind=kind, at=at)


def document_attach(
    *,
    actor: User,
    dossier: Dossier,
    upload: UploadedFile,
    kind: str,
    required_document: RequiredDocument | None = None,
    at: datetime | None = None,
    expected_version: int | None = None,
) -> DossierDocument:
    """Attach one file (`documents_attach` with one upload)."""
    return documents_attach(
        actor=actor,
        dossier=dossier,
        files=[Attachment(required_document=required_document, upload=upload)],
        kind=kind,
        at=at,
        expected_version=expected_version,
    )[0]


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


@refusals_logged
def dossier_mark_digitized(
    *,
    actor: User,
    dossier: Dossier,
    at: datetime | None = None,
    expected_version: int | None = None,
) -> Dossier:
    with transaction.atomic():
        locked = dossier_lock(dossier, expected_version=expected_version)
        refusal = record_refusal(actor, locked, Record.DIGITIZE)
        if refusal is not None:
            raise refusal
        missing = missing_for_digitization(locked)
        if missing:
            raise ValidationFailed(
                _("Còn thiếu bản quét: %(names)s.") % {"names": "; ".join(d.name for d in missing)},
                fields={"documents": "missing"},
            )
        return record_apply(
            actor=actor, dossier=locked, action=Record.DIGITIZE, at=at, changes={"digitized": True}
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
    """The files of the applicant's personal data store (`dossiers.store`: their issued
    results and their own uploads, not removed, of dossiers that still carry their ID)."""
    if not applicant_id_number:
        # Dossiers without an ID number belong to nobody's store.
        return DossierDocument.objects.none()
    never_stored = Q(pk__in=issued_results().values("pk")) & ~Exists(
        StoredDocument.objects.filter(source=OuterRef("pk"))
    )
    # Its live entry, or an issued result that never got one (issued outside the approval's
    # effect: a repair, an import); a removed entry hides the file.
    return (
        DossierDocument.objects.filter(dossier__applicant_id_number=applicant_id_number)
        .filter(store_in(applicant_id_number) | never_stored)
        .select_related("dossier", "dossier__procedure", "required_document")
    )


def result_fits(required_document: RequiredDocument, source: DossierDocument) -> bool:
    """A file of the store may stand in for a required document only when it is of the kind
    the document asks for: a result of one of the procedures the catalog names for it, or a
    file the applicant submitted earlier for a document of the same name."""
    if source.kind == DossierDocument.Kind.RESULT:
        return source.dossier.procedure.code in (required_document.accepts_results_of or [])
    earlier = source.required_document
    return earlier is not None and document_kind(earlier) == document_kind(required_document)


def store_documents_for(
    applicant_id_number: str, required_document: RequiredDocument
) -> QuerySet[DossierDocument]:
    """The applicant's store files that may stand in for this required document."""
    return store_documents_of(applicant_id_number).filter(
        Q(
            kind=DossierDocument.Kind.RESULT,
            dossier__procedure__code__in=list(required_document.accepts_results_of or []),
        )
        | Q(
            store_in(applicant_id_number, kind=document_kind(required_document)),
            kind=DossierDocument.Kind.SUBMITTED,
        )
    )


def _reuse_check(
    dossier: Dossier, source: DossierDocument, required_document: RequiredDocument
) -> None:
    in_store = (
        store_documents_of(dossier.applicant_id_number)
        .exclude(dossier_id=dossier.pk)
        .filter(pk=source.pk)
        .exists()
    )
    if not in_store:
        expired = (
            StoredDocument.objects.filter(
                source=source,
                owner_id_number=dossier.applicant_id_number,
                removed_at__isnull=True,
                valid_until__lt=timezone.localdate(),
            )
            .values_list("valid_until", flat=True)
            .first()
        )
        if expired is not None:
            raise ValidationFailed(
                _("Giấy tờ này chỉ có hiệu lực đến ngày %(day)s; vui lòng nộp bản mới.")
                % {"day": expired.strftime("%d/%m/%Y")},
                fields={"source": "expired"},
            )
        raise ValidationFailed(
            _("Chỉ sử dụng lại kết quả đã cấp của hồ sơ trước của chính người nộp."),
            fields={"source": "invalid"},
        )
    if required_document.procedure_id != dossier.procedure_id:
        raise ValidationFailed(
            _("Thành phần hồ sơ không thuộc thủ tục này."), fields={"required_document": "invalid"}
        )
    if not result_fits(required_document, source) and source.kind != DossierDocument.Kind.RESULT:
        raise ValidationFailed(
            _(
                "Tệp “%(name)s” đã nộp trước đây không phải loại giấy tờ “%(document)s” yêu "
                "cầu; hãy chọn giấy tờ phù hợp hoặc tải tệp lên."
            )
            % {"name": source.name, "document": required_document.name},
            fields={"source": "kind"},
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


@refusals_logged
def document_reuse(
    *,
    actor: User,
    dossier: Dossier,
    source: DossierDocument,
    required_document: RequiredDocument,
    at: datetime | None = None,
    expected_version: int | None = None,
) -> DossierDocument:
    """Link an earlier result of the same person instead of a new scan or upload."""
    with transaction.atomic():
        locked = dossier_lock(dossier, expected_version=expected_version)
        refusal = record_refusal(actor, locked, Record.REUSE)
        if refusal is not None:
            raise refusal
        return documents_attach_locked(
            actor=actor,
            dossier=locked,
            files=[Attachment(required_document=required_document, source=source)],
            kind=DossierDocument.Kind.SUBMITTED,
            at=at,
        )[0]
