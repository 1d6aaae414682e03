"""Only the approver holding the approval step of the dossier's agency signs; every other
actor is refused and nothing changes."""

from __future__ import annotations

import pytest
from django.contrib.auth.models import AnonymousUser

from motcua.core.errors import PermissionDenied
from motcua.core.models import AuditEvent
from motcua.directory.models import Role
from motcua.dossiers.lifecycle import Action
from motcua.dossiers.models import Dossier, DossierDocument, State
from motcua.esign.models import SignedResult
from motcua.esign.services import result_generate, result_sign_and_approve
from tests.esign.fixtures import at_approval, with_result
from tests.factories import CitizenFactory, staff

DENIED = "Chỉ lãnh đạo được giao bước phê duyệt của hồ sơ được ký số và phê duyệt kết quả."


def _snapshot(dossier: Dossier, document: DossierDocument) -> tuple:
    dossier = Dossier.objects.get(pk=dossier.pk)
    return (
        dossier.state,
        dossier.version,
        dossier.e_result,
        dossier.result_to_store,
        dossier.events.count(),
        DossierDocument.objects.get(pk=document.pk).sha256,
        SignedResult.objects.count(),
        AuditEvent.objects.filter(action="esign.sign").count(),
    )


@pytest.mark.django_db
@pytest.mark.parametrize(
    "who",
    ["anonymous", "owner", "other_citizen", "other_agency_approver", "reception", "specialist"],
)
def test_others_cannot_sign(walker, pki, other_agency, who):
    dossier, document = with_result(walker)
    actor = {
        "anonymous": lambda: AnonymousUser(),
        "owner": lambda: walker.citizen,
        "other_citizen": lambda: CitizenFactory(username="079090000002"),
        "other_agency_approver": lambda: staff(Role.APPROVER, other_agency, username="ld_khac"),
        "reception": lambda: walker.reception,
        "specialist": lambda: walker.specialist,
    }[who]()
    before = _snapshot(dossier, document)

    with pytest.raises(PermissionDenied) as error:
        result_sign_and_approve(actor=actor, dossier=dossier, document=document)

    assert error.value.message == DENIED
    assert _snapshot(dossier, document) == before


@pytest.mark.django_db
def test_an_approver_before_the_approval_step_cannot_sign(walker, pki):
    dossier = walker.dossier_in(State.IN_PROGRESS)  # at step 2, Trình ký
    document = result_generate(actor=walker.specialist, dossier=dossier, text="Chấp thuận.")
    dossier.refresh_from_db()
    before = _snapshot(dossier, document)

    with pytest.raises(PermissionDenied) as error:
        result_sign_and_approve(actor=walker.approver, dossier=dossier, document=document)

    assert error.value.message == DENIED
    assert _snapshot(dossier, document) == before


@pytest.mark.django_db
def test_an_approver_not_assigned_to_the_step_cannot_sign(walker, pki, agency):
    colleague = staff(Role.APPROVER, agency, username="ld_duoc_giao")
    dossier = walker.dossier_in(State.IN_PROGRESS)
    dossier = walker.act(dossier, Action.FORWARD, assignee=colleague.pk)
    document = result_generate(actor=colleague, dossier=dossier, text="Chấp thuận.")
    dossier.refresh_from_db()
    before = _snapshot(dossier, document)

    with pytest.raises(PermissionDenied):
        result_sign_and_approve(actor=walker.approver, dossier=dossier, document=document)

    assert _snapshot(dossier, document) == before
    result_sign_and_approve(actor=colleague, dossier=dossier, document=document)
    assert Dossier.objects.get(pk=dossier.pk).state == State.RESULT_READY


@pytest.mark.django_db
def test_only_the_step_holder_generates_a_result(walker, pki):
    dossier = at_approval(walker)
    count = dossier.documents.count()

    with pytest.raises(PermissionDenied) as error:
        result_generate(actor=walker.specialist, dossier=dossier, text="Chấp thuận.")

    assert error.value.message == (
        "Chỉ cán bộ được giao bước xử lý hiện tại được tạo kết quả cho hồ sơ này."
    )
    assert dossier.documents.count() == count
