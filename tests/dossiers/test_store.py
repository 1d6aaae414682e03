"""The citizen's personal data store (dossiers.store): what lands in it, whose it is, removal,
and reuse from it counted as `reused` (§7)."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.utils import timezone

from motcua.core.errors import NotFound, ValidationFailed
from motcua.core.models import AuditEvent
from motcua.dossiers.documents import (
    document_attach,
    document_reuse,
    store_documents_for,
    store_documents_of,
)
from motcua.dossiers.lifecycle import Action
from motcua.dossiers.models import Dossier, DossierDocument, State, StoredDocument
from motcua.dossiers.store import (
    months_after,
    store_entries_of,
    store_remove,
    store_sync_for_dossier,
)
from tests.factories import CitizenFactory, RequiredDocumentFactory
from tests.walker import Walker

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"


@pytest.fixture(autouse=True)
def _media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def certificate(three_step_procedure):
    return RequiredDocumentFactory(
        procedure=three_step_procedure,
        name="Giấy chứng sinh",
        position=1,
        accepts_results_of=[three_step_procedure.code],
    )


def _upload(walker: Walker, dossier: Dossier, required) -> DossierDocument:
    return document_attach(
        actor=walker.citizen,
        dossier=dossier,
        upload=SimpleUploadedFile("chung-sinh.pdf", PDF),
        kind=DossierDocument.Kind.SUBMITTED,
        required_document=required,
    )


def _issued(walker: Walker) -> tuple[Dossier, DossierDocument]:
    earlier = walker.dossier_in(State.IN_PROGRESS)
    result = document_attach(
        actor=walker.specialist,
        dossier=earlier,
        upload=SimpleUploadedFile("ket-qua.pdf", PDF),
        kind=DossierDocument.Kind.RESULT,
        at=walker.next_moment(earlier),
    )
    earlier = walker.act(Dossier.objects.get(pk=earlier.pk), Action.FORWARD)
    walker.act(earlier, Action.APPROVE)
    return Dossier.objects.get(pk=earlier.pk), result


def test_an_upload_by_the_applicant_lands_in_their_store(walker, citizen, certificate):
    dossier = walker.create()
    document = _upload(walker, dossier, certificate)

    entry = StoredDocument.objects.get()
    assert (
        entry.owner_id_number,
        entry.owner_id,
        entry.source_id,
        entry.origin,
        entry.kind,
        entry.title,
        entry.issuer,
        entry.valid_until,
        entry.removed_at,
    ) == (
        citizen.personal_id,
        citizen.pk,
        document.pk,
        "submitted",
        "giay chung sinh",
        "Giấy chứng sinh",
        "Người nộp",
        None,
        None,
    )


def test_an_issued_result_lands_once_with_the_agency_as_issuer(walker, citizen):
    earlier, result = _issued(walker)
    entry = StoredDocument.objects.get(origin="result")
    assert (entry.source_id, entry.kind, entry.title, entry.issuer) == (
        result.pk,
        earlier.procedure.code,
        earlier.procedure.name,
        earlier.agency.name,
    )
    assert store_sync_for_dossier(earlier) == 0  # idempotent
    assert StoredDocument.objects.filter(origin="result").count() == 1


def test_a_family_members_documents_never_appear(
    walker, citizen, reception, specialist, approver, three_step_procedure, agency, certificate
):
    spouse = CitizenFactory()
    theirs = Walker(
        citizen=spouse,
        reception=reception,
        specialist=specialist,
        approver=approver,
        procedure=three_step_procedure,
        agency=agency,
    )
    _upload(theirs, theirs.create(), certificate)
    _issued(theirs)

    assert list(store_entries_of(citizen.personal_id)) == []
    assert list(store_documents_of(citizen.personal_id)) == []
    assert store_entries_of(spouse.personal_id).count() == 2


def test_an_earlier_upload_of_the_same_document_is_offered_and_its_reuse_counted(
    walker, citizen, certificate
):
    earlier = walker.create()
    document = _upload(walker, earlier, certificate)
    later = walker.create()

    assert list(store_documents_for(citizen.personal_id, certificate)) == [document]
    reused = document_reuse(
        actor=citizen, dossier=later, source=document, required_document=certificate
    )

    assert (reused.reused_from_id, Dossier.objects.get(pk=later.pk).reused_data) == (
        document.pk,
        True,
    )
    # The linked copy is not a second entry.
    assert StoredDocument.objects.count() == 1


def test_the_owner_removes_an_entry_it_is_no_longer_offered(walker, citizen, certificate):
    document = _upload(walker, walker.create(), certificate)
    entry = StoredDocument.objects.get()

    store_remove(actor=citizen, stored=entry)

    assert list(store_entries_of(citizen.personal_id)) == []
    assert list(store_documents_for(citizen.personal_id, certificate)) == []
    assert DossierDocument.objects.filter(pk=document.pk).exists()  # the dossier keeps it
    assert list(
        AuditEvent.objects.filter(action="store.remove").values_list("object_id", flat=True)
    ) == [str(entry.pk)]


def test_nobody_else_removes_an_entry(walker, citizen, reception, certificate):
    _upload(walker, walker.create(), certificate)
    entry = StoredDocument.objects.get()
    for actor in (reception, CitizenFactory()):
        with pytest.raises(NotFound):
            store_remove(actor=actor, stored=entry)
    assert StoredDocument.objects.get().removed_at is None
    assert AuditEvent.objects.filter(action="store.remove").count() == 0


@pytest.mark.parametrize(
    ("day", "months", "until"),
    [
        (date(2026, 12, 5), 36, date(2029, 12, 5)),
        (date(2028, 2, 29), 12, date(2029, 2, 28)),
        (date(2026, 8, 31), 6, date(2027, 2, 28)),
        (date(2026, 11, 30), 1, date(2026, 12, 30)),
    ],
)
def test_months_after_keeps_the_day_or_takes_the_months_last(day, months, until):
    assert months_after(day, months) == until


def test_a_result_that_expires_is_dated_from_its_approval_and_then_no_longer_offered(
    walker, citizen, certificate, three_step_procedure
):
    three_step_procedure.result_valid_months = 120  # the walker lives in 2026
    three_step_procedure.save(update_fields=["result_valid_months"])
    earlier, result = _issued(walker)
    entry = StoredDocument.objects.get(origin="result")
    later = walker.create()

    assert entry.valid_until == months_after(timezone.localdate(earlier.finished_at), 120)
    assert list(store_documents_for(citizen.personal_id, certificate)) == [result]

    # Its last valid day was yesterday.
    yesterday = timezone.localdate() - timedelta(days=1)
    StoredDocument.objects.filter(pk=entry.pk).update(valid_until=yesterday)
    entry.refresh_from_db()

    assert entry.expired
    assert list(store_documents_for(citizen.personal_id, certificate)) == []
    with pytest.raises(ValidationFailed) as refused:
        document_reuse(actor=citizen, dossier=later, source=result, required_document=certificate)
    assert refused.value.message == (
        f"Giấy tờ này chỉ có hiệu lực đến ngày {yesterday:%d/%m/%Y}; vui lòng nộp bản mới."
    )
    assert not later.documents.exists()

    StoredDocument.objects.filter(pk=entry.pk).update(valid_until=timezone.localdate())
    assert list(store_documents_for(citizen.personal_id, certificate)) == [result]  # last day


def test_a_result_of_a_procedure_without_a_term_never_expires(walker, citizen):
    _issued(walker)
    entry = StoredDocument.objects.get(origin="result")
    assert (entry.valid_until, entry.expired) == (None, False)
