"""Which results are issued: the applicant downloads and reuses only what was approved, and
of a signed dossier only the signed file, never a draft it replaced."""

from __future__ import annotations

from datetime import timedelta

import pytest

from motcua.core.errors import NotFound
from motcua.core.models import AuditEvent
from motcua.dossiers.documents import store_documents_of
from motcua.dossiers.lifecycle import Action
from motcua.dossiers.media import media_sweep
from motcua.dossiers.models import Dossier, State
from motcua.esign.services import result_for_download, result_generate, result_sign_and_approve
from tests.esign.fixtures import at_approval, with_result

pytestmark = pytest.mark.django_db


def _downloads() -> list[tuple[int, str]]:
    return list(
        AuditEvent.objects.filter(action="esign.download")
        .order_by("id")
        .values_list("object_id", "data__as")
    )


def test_the_owner_gets_only_the_signed_result_never_the_draft_it_superseded(walker, pki):
    dossier = at_approval(walker)
    superseded = result_generate(actor=walker.approver, dossier=dossier, text="Bản thứ nhất.")
    chosen = result_generate(actor=walker.approver, dossier=dossier, text="Bản thứ hai.")
    result_sign_and_approve(
        actor=walker.approver, dossier=Dossier.objects.get(pk=dossier.pk), document=chosen
    )

    document, data = result_for_download(actor=walker.citizen, document_id=chosen.pk)
    assert (document, data[:5]) == (chosen, b"%PDF-")
    with pytest.raises(NotFound):
        result_for_download(actor=walker.citizen, document_id=superseded.pk)
    # Staff who may read the dossier still see the whole file, drafts included.
    assert result_for_download(actor=walker.reception, document_id=superseded.pk)[0] == superseded
    assert _downloads() == [(str(chosen.pk), "owner"), (str(superseded.pk), "staff")]
    assert list(store_documents_of(walker.citizen.personal_id)) == [chosen]


def test_without_a_signature_the_owner_gets_the_results_once_approved(walker, pki):
    dossier, draft = with_result(walker)
    with pytest.raises(NotFound):
        result_for_download(actor=walker.citizen, document_id=draft.pk)
    assert _downloads() == []

    dossier = walker.act(Dossier.objects.get(pk=dossier.pk), Action.APPROVE)

    assert (dossier.state, dossier.e_result) == (State.RESULT_READY, True)
    assert result_for_download(actor=walker.citizen, document_id=draft.pk)[0] == draft
    assert _downloads() == [(str(draft.pk), "owner")]


def test_the_owner_never_gets_the_draft_of_a_refused_dossier(walker, pki):
    dossier, draft = with_result(walker)
    walker.act(Dossier.objects.get(pk=dossier.pk), Action.REFUSE)
    with pytest.raises(NotFound):
        result_for_download(actor=walker.citizen, document_id=draft.pk)
    assert list(store_documents_of(walker.citizen.personal_id)) == []
    assert _downloads() == []


def test_the_draft_file_a_signature_replaced_is_swept(walker, pki, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    dossier, document = with_result(walker)
    draft_file = document.file.name
    result_sign_and_approve(actor=walker.approver, dossier=dossier, document=document)
    document.refresh_from_db()
    assert document.file.name != draft_file

    sweep = media_sweep(older_than=timedelta(0))

    assert sweep.names == [draft_file]
    left = [p.relative_to(tmp_path).as_posix() for p in tmp_path.rglob("*") if p.is_file()]
    assert left == [document.file.name]
