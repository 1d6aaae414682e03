"""At the counter in a real browser: the e-form the applicant filled stands in for the paper
declaration (a walk-in of the same procedure still needs it), the receipt lists only the
papers ticked at reception, and the result goes back the way each applicant chose."""

from __future__ import annotations

import io
import re

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from playwright.sync_api import expect
from pypdf import PdfReader

from motcua.catalog.services import procedure_eform_set
from motcua.dossiers.documents import document_attach
from motcua.dossiers.lifecycle import Action
from motcua.dossiers.models import Channel, Dossier, DossierDocument, State
from motcua.dossiers.services import dossier_create
from tests.factories import RequiredDocumentFactory
from tests.office.conftest import DECLARATION, PDF, online

PAPERS = [
    (1, "Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp", False),
    (2, "Bản chụp thẻ căn cước", False),
    (3, "Văn bản ủy quyền", True),
    (4, "Giấy tờ chứng minh được miễn phí", True),
]


@pytest.fixture
def papers(walker, tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path
    procedure_eform_set(actor=None, procedure=walker.procedure, eform=DECLARATION)
    return [
        RequiredDocumentFactory(procedure=walker.procedure, position=p, name=n, optional=o)
        for p, n, o in PAPERS
    ]


def check_url(live_server, dossier: Dossier) -> str:
    return f"{live_server.url}/mot-cua/ho-so/{dossier.public_code}/kiem-tra/"


@pytest.mark.django_db(transaction=True)
def test_the_e_form_stands_in_for_the_declaration_and_the_receipt_lists_what_was_received(
    live_server, page, signed_in, screenshot, walker, papers, accessible
):
    declaration, id_copy, proxy, exemption = papers
    filled = online(walker)
    paper = dossier_create(
        actor=walker.reception,
        procedure=walker.procedure,
        agency=walker.agency,
        channel=Channel.DIRECT,
        applicant_name="Trần Thị Bình",
        applicant_id_number="046190000123",
    )
    signed_in(page, live_server, walker.reception.username)

    # The walk-in has no e-form: its paper declaration is missing.
    page.goto(check_url(live_server, paper))
    expect(page.get_by_test_id("missing-count")).to_have_text("thiếu 2 giấy tờ bắt buộc")
    expect(page.get_by_test_id("covered-by-eform")).to_have_count(0)

    # The online dossier: the declaration is the e-form, only the ID copy is missing.
    page.goto(check_url(live_server, filled))
    table = page.get_by_test_id("required-documents")
    expect(table.locator("tr", has_text=declaration.name)).to_contain_text("tờ khai điện tử")
    expect(page.get_by_test_id("missing-count")).to_have_text("thiếu 1 giấy tờ bắt buộc")
    supplement = page.get_by_test_id("supplement")
    supplement.locator("summary").click()
    expect(supplement.get_by_label(declaration.name)).not_to_be_checked()
    expect(supplement.get_by_label(id_copy.name)).to_be_checked()
    accessible(page)
    screenshot("counter-eform-check")

    # Reception: the ID copy in hand, and the proxy letter; not the exemption paper.
    receive = page.get_by_test_id("receive-form")
    expect(receive.get_by_label(id_copy.name)).to_be_checked()
    expect(receive.get_by_label(exemption.name)).not_to_be_checked()
    receive.get_by_label(proxy.name).check()
    page.get_by_role("button", name="Tiếp nhận và cấp giấy hẹn").click()
    received = Dossier.objects.get(pk=filled.pk)
    expect(page.get_by_test_id("dossier-code")).to_have_text(received.code)
    assert received.state == State.RECEIVED

    link = page.get_by_test_id("letter-link")
    response = page.request.get(f"{live_server.url}{link.get_attribute('href')}")
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(response.body())).pages)
    body = text.split("Thành phần hồ sơ đã nhận:", 1)[1].split("Cán bộ:", 1)[0]
    assert [line.strip() for line in body.strip().splitlines()] == [
        "1. Tờ khai yêu cầu cấp Phiếu lý lịch tư pháp (tờ khai điện tử)",
        "2. Bản chụp thẻ căn cước",
        "3. Văn bản ủy quyền",
    ]


def with_result(walker, delivery: str) -> Dossier:
    dossier = online(walker, delivery=delivery)
    for action in (Action.RECEIVE, Action.FORWARD, Action.FORWARD, Action.FORWARD):
        dossier = walker.act(dossier, action)
    document_attach(
        actor=walker.approver,
        dossier=dossier,
        upload=SimpleUploadedFile("phieu.pdf", PDF, content_type="application/pdf"),
        kind=DossierDocument.Kind.RESULT,
        at=walker.next_moment(dossier),
    )
    return walker.act(Dossier.objects.get(pk=dossier.pk), Action.APPROVE)


@pytest.mark.django_db(transaction=True)
def test_the_result_goes_back_the_way_each_applicant_chose(
    live_server, page, signed_in, screenshot, walker, papers, accessible
):
    electronic = with_result(walker, "truc_tuyen")
    by_post = with_result(walker, "buu_chinh")
    signed_in(page, live_server, walker.reception.username)

    page.goto(f"{live_server.url}/mot-cua/ho-so/{by_post.public_code}/tra-ket-qua/")
    expect(page.get_by_label("Qua bưu chính công ích")).to_be_checked()

    page.goto(f"{live_server.url}/mot-cua/ho-so/{electronic.public_code}/tra-ket-qua/")
    expect(page.get_by_test_id("delivery-chosen")).to_contain_text(
        "Bản điện tử gửi vào tài khoản và kho dữ liệu của người nộp"
    )
    choice = page.get_by_label("Bản điện tử gửi vào tài khoản và kho dữ liệu của người nộp")
    expect(choice).to_be_checked()
    accessible(page)
    screenshot("counter-return-electronic")
    page.get_by_role("button", name=re.compile("Xác nhận đã trả kết quả")).click()
    expect(page.get_by_role("status").first).to_contain_text(
        f"Đã trả kết quả hồ sơ {electronic.code}"
    )
    returned = Dossier.objects.get(pk=electronic.pk)
    assert returned.state == State.RETURNED
    assert returned.events.order_by("-seq").first().payload["method"] == "online"
    assert Dossier.objects.get(pk=by_post.pk).state == State.RESULT_READY
