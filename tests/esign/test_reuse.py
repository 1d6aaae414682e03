"""A signed result goes to the applicant's data store and a later dossier reuses it (§7)."""

from __future__ import annotations

import pytest
from django.db.models import Sum

from motcua.counters.models import DailyCounter
from motcua.dossiers.documents import document_reuse, store_documents_of
from motcua.dossiers.lifecycle import Action
from motcua.dossiers.models import Dossier
from motcua.esign.verify import result_verify
from tests.esign.fixtures import signed
from tests.factories import RequiredDocumentFactory


@pytest.mark.django_db
def test_signed_result_is_in_the_store_and_reused_by_a_later_dossier(walker, pki):
    first, result = signed(walker)
    stored = list(store_documents_of(walker.citizen.personal_id))
    assert stored == [result.document]
    required = RequiredDocumentFactory(
        procedure=walker.procedure,
        name="Phiếu lý lịch tư pháp đã cấp",
        accepts_results_of=[walker.procedure.code],
    )
    later = walker.create(at=walker.next_moment(first))

    copy = document_reuse(
        actor=walker.citizen, dossier=later, source=result.document, required_document=required
    )

    later = Dossier.objects.get(pk=later.pk)
    assert later.reused_data is True
    assert list(later.events.values_list("action", flat=True)) == ["create", "reuse"]
    assert (copy.reused_from, copy.sha256, copy.file.name) == (
        result.document,
        result.sha256,
        result.document.file.name,
    )
    with copy.file.open("rb") as handle:
        assert result_verify(handle.read()).record == result
    # Counted when the later dossier is received (§7 `reused`).
    walker.act(later, Action.SUBMIT)
    walker.act(Dossier.objects.get(pk=later.pk), Action.RECEIVE)
    reused = DailyCounter.objects.filter(metric="reused").aggregate(v=Sum("value"))["v"]
    assert reused == 1
    # The copy is not a second result in the store.
    assert list(store_documents_of(walker.citizen.personal_id)) == [result.document]
