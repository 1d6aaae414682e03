"""Returning the result the way the applicant chose when applying: in person, by post, or
electronically (the issued e-result in their account and data store)."""

from __future__ import annotations

import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from motcua.core.errors import ValidationFailed
from motcua.dossiers.documents import document_attach
from motcua.dossiers.lifecycle import Action
from motcua.dossiers.models import Dossier, DossierDocument, State
from motcua.office.counter.handover import delivery_chosen
from tests.office.conftest import PDF, online
from tests.verbs import dossier_return

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def officer(client, reception):
    client.force_login(reception)
    return client


def with_result(walker, delivery: str, *, e_result: bool) -> Dossier:
    """Applied online choosing `delivery`, processed and approved (with an e-result when
    `e_result`)."""
    dossier = online(walker, delivery=delivery)
    for action in (Action.RECEIVE, Action.FORWARD, Action.FORWARD, Action.FORWARD):
        dossier = walker.act(dossier, action)
    if e_result:
        document_attach(
            actor=walker.approver,
            dossier=dossier,
            upload=SimpleUploadedFile("phieu-ly-lich.pdf", PDF, content_type="application/pdf"),
            kind=DossierDocument.Kind.RESULT,
            at=walker.next_moment(dossier),
        )
    dossier = walker.act(Dossier.objects.get(pk=dossier.pk), Action.APPROVE)
    assert (dossier.state, dossier.e_result) == (State.RESULT_READY, e_result)
    return dossier


def return_url(dossier: Dossier) -> str:
    return f"/mot-cua/ho-so/{dossier.public_code}/tra-ket-qua/"


def checked(html: str) -> list[str]:
    return re.findall(r'<input type="radio" name="method" value="(\w+)"[^>]*checked', html)


def test_the_return_form_preselects_each_applicants_choice(officer, walker, papers):
    electronic = with_result(walker, "truc_tuyen", e_result=True)
    by_post = with_result(walker, "buu_chinh", e_result=True)

    assert (delivery_chosen(electronic), delivery_chosen(by_post)) == ("online", "post")
    page = officer.get(return_url(electronic)).content.decode()
    assert checked(page) == ["online"]
    assert (
        "Người nộp đã chọn khi nộp hồ sơ: Bản điện tử gửi vào tài khoản và kho dữ liệu của "
        "người nộp."
    ) in page
    page = officer.get(return_url(by_post)).content.decode()
    assert checked(page) == ["post"]
    assert "Người nộp đã chọn khi nộp hồ sơ: Qua bưu chính công ích." in page


def test_the_electronic_return_is_recorded_through_the_lifecycle(officer, walker, papers):
    electronic = with_result(walker, "truc_tuyen", e_result=True)

    response = officer.post(
        return_url(electronic),
        {"version": electronic.version, "method": "online", "receiver": "Nguyễn Văn An"},
    )

    assert response.status_code == 302
    returned = Dossier.objects.get(pk=electronic.pk)
    event = returned.events.order_by("-seq").first()
    assert returned.state == State.RETURNED
    assert (event.action, event.payload) == (
        "return",
        {"method": "online", "receiver": "Nguyễn Văn An"},
    )


def test_electronic_delivery_needs_an_e_result(officer, walker, papers):
    paper_only = with_result(walker, "truc_tuyen", e_result=False)
    before = (paper_only.state, paper_only.version, paper_only.events.count())

    page = officer.get(return_url(paper_only)).content.decode()
    # The choice cannot be honoured: said, and a way that can is preselected.
    assert checked(page) == ["in_person"]
    assert "hãy trả trực tiếp hoặc qua bưu chính và báo cho người nộp" in page
    response = officer.post(
        return_url(paper_only),
        {"version": paper_only.version, "method": "online", "receiver": "Nguyễn Văn An"},
    )

    assert response.status_code == 400
    assert (
        "Hồ sơ không có kết quả điện tử trong kho dữ liệu của người nộp: hãy trả trực tiếp "
        "hoặc qua bưu chính."
    ) in response.content.decode()
    fresh = Dossier.objects.get(pk=paper_only.pk)
    assert (fresh.state, fresh.version, fresh.events.count()) == before


def test_a_walk_in_without_a_choice_starts_at_the_counter(officer, walker):
    dossier = walker.dossier_in(State.RESULT_READY)
    assert delivery_chosen(dossier) == ""
    page = officer.get(return_url(dossier)).content.decode()
    assert checked(page) == ["in_person"]
    assert 'data-testid="delivery-chosen"' not in page


def test_the_lifecycle_refuses_an_electronic_return_without_an_e_result(walker, papers):
    paper_only = with_result(walker, "truc_tuyen", e_result=False)

    with pytest.raises(ValidationFailed) as refused:
        dossier_return(actor=walker.reception, dossier=paper_only, method="online")

    assert refused.value.fields == {"method": "no_e_result"}
    assert Dossier.objects.get(pk=paper_only.pk).state == State.RESULT_READY
