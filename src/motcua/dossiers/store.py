"""The citizen's personal data store (kho dữ liệu điện tử của công dân).

Every file a citizen submitted with a dossier and every result issued to them gets one
`StoredDocument` entry, keyed by the dossier's personal ID: its origin, kind, issuer and
validity. The bytes stay in the dossier (`StoredDocument.source`), never copied.

- Kind: for a result, the procedure's code (what `RequiredDocument.accepts_results_of`
  names); for a submitted file, the folded name of the required document it was submitted
  for (`document_kind`), so that "Bản sao Giấy khai sinh" submitted for one procedure fits
  the same document of another.
- Entries are added where files arrive: the applicant's uploads in
  `documents.documents_attach_locked`, the issued results at approval
  (`lifecycle.effects._approve` → `store_sync_for_dossier`). Adding is idempotent (one
  entry per dossier file), and an entry the owner removed stays removed.
- An entry belongs to the person whose ID it carries while the dossier still carries that
  ID; officers never read a store — they see files only through the dossiers they handle.
"""

from __future__ import annotations

import calendar
from collections.abc import Iterable
from datetime import date, datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from motcua.catalog.models import RequiredDocument
from motcua.core.audit import audit_record
from motcua.core.errors import NotFound
from motcua.core.text import search_fold
from motcua.directory.models import User
from motcua.dossiers.models import Dossier, DossierDocument, StoredDocument

Origin = StoredDocument.Origin
APPLICANT_ISSUER = "Người nộp"


def document_kind(required_document: RequiredDocument) -> str:
    """The kind of a submitted file: the folded name of the document it answers."""
    return search_fold(required_document.name)[:255]


def dossier_results_issued(dossier: Dossier) -> QuerySet[DossierDocument]:
    """The results this dossier issues when approved: the signed one when there is one (the
    drafts it replaced were never issued), otherwise every result it holds."""
    results = dossier.documents.filter(kind=DossierDocument.Kind.RESULT, reused_from__isnull=True)
    signed = results.filter(signature__isnull=False)
    return signed if signed.exists() else results


def months_after(day: date, months: int) -> date:
    """The same day `months` later; the month's last day where it has no such day (a
    licence issued on 29/02 for 3 years runs to 28/02)."""
    index = day.month - 1 + months
    year, month = day.year + index // 12, index % 12 + 1
    return date(year, month, min(day.day, calendar.monthrange(year, month)[1]))


def usable_on(day: date) -> Q:
    """Entries still valid on `day`: the ones a new application may reuse."""
    return Q(valid_until__isnull=True) | Q(valid_until__gte=day)


def _entry(
    document: DossierDocument, origin: str, at: datetime, valid_until: date | None = None
) -> StoredDocument | None:
    dossier = document.dossier
    owner_id = dossier.applicant_id_number
    if len(owner_id) != 12 or not owner_id.isdigit():
        # A dossier without a (valid) personal ID belongs to nobody's store.
        return None
    if origin == Origin.SUBMITTED:
        required = document.required_document
        kind = document_kind(required) if required is not None else ""
        title = required.name if required is not None else document.name
        issuer = APPLICANT_ISSUER
    else:
        if dossier.procedure.code in settings.MOTCUA_CERTIFIED_COPY_PROCEDURES:
            origin = Origin.CERTIFIED_COPY
        kind = dossier.procedure.code
        title = dossier.procedure.name
        issuer = dossier.agency.name
        months = dossier.procedure.result_valid_months
        if valid_until is None and months:
            valid_until = months_after(timezone.localdate(at), months)
    return StoredDocument(
        owner_id_number=owner_id,
        owner_id=dossier.applicant_id,
        source=document,
        origin=origin,
        kind=kind,
        title=title[:255],
        issuer=issuer[:255],
        valid_until=valid_until,
        created_at=at,
    )


def store_add(entries: Iterable[StoredDocument | None]) -> int:
    """Insert the entries, skipping files already in a store; returns how many were new."""
    rows = [e for e in entries if e is not None]
    if not rows:
        return 0
    known = set(
        StoredDocument.objects.filter(source__in=[e.source for e in rows]).values_list(
            "source_id", flat=True
        )
    )
    fresh = [e for e in rows if e.source.pk not in known]
    StoredDocument.objects.bulk_create(fresh, ignore_conflicts=True)
    return len(fresh)


def store_add_for_document(
    *,
    document: DossierDocument,
    origin: str,
    at: datetime | None = None,
    valid_until: date | None = None,
) -> StoredDocument | None:
    """Put one dossier file in its applicant's store (idempotent); the entry, or None when the
    dossier carries no personal ID."""
    store_add([_entry(document, origin, at or timezone.now(), valid_until)])
    return StoredDocument.objects.filter(source=document).first()


def store_add_submitted(
    *, dossier: Dossier, documents: Iterable[DossierDocument], at: datetime
) -> int:
    """The applicant's own uploads, just attached to their dossier (never a reused file: its
    source is in the store already)."""
    return store_add(
        _entry(d, Origin.SUBMITTED, at)
        for d in documents
        if d.kind == DossierDocument.Kind.SUBMITTED
        and d.reused_from_id is None
        and d.uploaded_by_id is not None
        and d.uploaded_by_id == dossier.applicant_id
    )


def store_sync_for_dossier(dossier: Dossier, at: datetime | None = None) -> int:
    """Idempotent: the dossier's issued results and the applicant's own uploads in the store.
    Called by the approval's effect, in its transaction."""
    moment = at or timezone.now()
    results = dossier_results_issued(dossier).select_related("dossier__procedure")
    own = dossier.documents.filter(
        kind=DossierDocument.Kind.SUBMITTED,
        reused_from__isnull=True,
        uploaded_by_id=dossier.applicant_id,
        uploaded_by__isnull=False,
    ).select_related("required_document")
    return store_add(_entry(d, Origin.RESULT, moment) for d in results) + store_add_submitted(
        dossier=dossier, documents=own, at=moment
    )


def _live(owner_id_number: str) -> Q:
    return Q(
        owner_id_number=owner_id_number,
        removed_at__isnull=True,
        source__dossier__applicant_id_number=owner_id_number,
    )


def store_entries_of(owner_id_number: str | None) -> QuerySet[StoredDocument]:
    """The entries a person sees in their store, newest first, with what the list shows."""
    if not owner_id_number:
        return StoredDocument.objects.none()
    return StoredDocument.objects.filter(_live(owner_id_number)).select_related(
        "source", "source__dossier"
    )


def store_in(owner_id_number: str, **extra: object) -> Exists:
    """For a `DossierDocument` query: the file is in this person's store (not removed) and
    still valid today, so it may stand in for a required document."""
    return Exists(
        StoredDocument.objects.filter(
            usable_on(timezone.localdate()),
            source=OuterRef("pk"),
            owner_id_number=owner_id_number,
            removed_at__isnull=True,
            **extra,
        )
    )


def store_entry_get_for_owner(actor: User | None, entry_id: int) -> StoredDocument:
    """The entry when `actor` is its owner; otherwise NotFound, whether it exists or not
    (staff included: they see files through the dossiers they handle)."""
    owner_id = getattr(actor, "personal_id", "") if actor is not None else ""
    entry = (
        store_entries_of(owner_id).filter(pk=entry_id).first()
        if actor is not None and actor.is_authenticated and owner_id
        else None
    )
    if entry is None:
        raise NotFound(_("Không tìm thấy giấy tờ này trong kho dữ liệu của bạn."))
    return entry


def store_remove(*, actor: User, stored: StoredDocument, at: datetime | None = None) -> None:
    """The owner removes an entry from their store: it is no longer listed or offered; the
    dossier's file stays. One transaction, audited; anyone else gets NotFound and nothing
    changes."""
    with transaction.atomic():
        entry = store_entry_get_for_owner(actor, stored.pk)
        locked = StoredDocument.objects.select_for_update().get(pk=entry.pk)
        if locked.removed_at is not None:
            raise NotFound(_("Không tìm thấy giấy tờ này trong kho dữ liệu của bạn."))
        locked.removed_at = at or timezone.now()
        locked.save(update_fields=["removed_at"])
        audit_record(
            actor=actor,
            action="store.remove",
            object_type="dossiers.StoredDocument",
            object_id=locked.pk,
            data={"source_document": locked.source_id, "origin": locked.origin},
        )
    stored.removed_at = locked.removed_at
