"""What a citizen meets on the application page, in a real browser:

- the judicial-record form after a child's birth registration: his own name, his parents and
  his wife prefilled from the registry — never himself and the child's mother, as his son's
  birth registration named them; Bình (his wife in the registry) finds her own parents and
  husband from her own record — the registry's answer before her earlier declaration's;
- the attachment slots: each file input is labelled with its document, and each slot offers
  only the earlier results of the kind it asks for.
"""

from __future__ import annotations

import hashlib
import json

import pytest
from django.core.files.base import ContentFile
from django.utils import timezone
from playwright.sync_api import expect

from motcua.demo.eforms import EFORMS
from motcua.dossiers.models import Channel, Dossier, DossierDocument, State
from motcua.dossiers.services import dossier_create
from tests.browser.conftest import sign_in
from tests.factories import AgencyFactory, CitizenFactory, ProcedureFactory, RequiredDocumentFactory
from tests.verbs import dossier_submit

PDF = b"%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n"
PREFILLED_FROM_STORE = "✓ Đã điền sẵn từ hồ sơ trước"
PREFILLED_FROM_REGISTRY = "✓ Đã điền sẵn từ CSDL quốc gia về dân cư"


def _eform(code: str) -> dict:
    return json.loads((EFORMS / f"{code}.json").read_text(encoding="utf-8"))


def _filed(citizen, procedure, agency, form_data) -> Dossier:
    dossier = dossier_create(
        actor=citizen,
        procedure=procedure,
        agency=agency,
        channel=Channel.ONLINE,
        applicant_name=citizen.full_name,
        applicant_id_number=citizen.personal_id,
        form_data=form_data,
    )
    return dossier_submit(actor=citizen, dossier=dossier)


def _issued(dossier: Dossier, name: str) -> DossierDocument:
    """A result of `dossier`, which stands for one returned (only issued results are in the
    data store)."""
    result = DossierDocument(
        dossier=dossier,
        kind=DossierDocument.Kind.RESULT,
        name=name,
        content_type="application/pdf",
        size=len(PDF),
        sha256=hashlib.sha256(PDF).hexdigest(),
        created_at=timezone.now(),
    )
    result.file.save(name, ContentFile(PDF), save=False)
    result.save()
    Dossier.objects.filter(pk=dossier.pk).update(state=State.RETURNED)
    return result


@pytest.fixture
def ward(db):
    return AgencyFactory(code="000.50.01.H46", name="UBND phường Thuận Hóa", level="commune")


@pytest.fixture
def an(db):
    return CitizenFactory(
        username="046085001234",
        personal_id="046085001234",
        full_name="Nguyễn Văn An",
        email="nguyenvanan@example.vn",
        phone="0905123456",
    )


@pytest.mark.django_db(transaction=True)
def test_a_childs_parents_are_not_prefilled_as_the_applicants_own(
    live_server, page, accessible, screenshot, settings, tmp_path, ward, an
):
    settings.MEDIA_ROOT = tmp_path
    birth = ProcedureFactory(
        code="1.001193",
        name="Đăng ký khai sinh",
        agencies=[ward],
        eform=_eform("1.001193"),
        registry_connected=True,
    )
    judicial = ProcedureFactory(
        code="2.000488",
        name="Cấp Phiếu lý lịch tư pháp cho công dân Việt Nam",
        agencies=[ward],
        eform=_eform("2.000488"),
        registry_connected=True,
    )
    RequiredDocumentFactory(procedure=judicial, position=1, name="Tờ khai yêu cầu cấp Phiếu")
    # An registered his son's birth: the child's father is An, the mother his wife.
    _filed(
        an,
        birth,
        ward,
        {
            "applicant_relationship": "cha",
            "child_full_name": "Nguyễn Minh Khôi",
            "father_full_name": "Nguyễn Văn An",
            "father_personal_id": "046085001234",
            "mother_full_name": "Lê Thị Hồng",
            "mother_personal_id": "046190001111",
        },
    )
    # Bình, another person in the registry, declared her own parents before.
    binh = CitizenFactory(
        username="046192005678", personal_id="046192005678", full_name="Trần Thị Bình"
    )
    _filed(
        binh,
        judicial,
        ward,
        {
            "father_full_name": "Trần Văn Bảo",
            "mother_full_name": "Hồ Thị Cúc",
            "certificate_type": "1",
            "purpose": "Du học",
            "copies": 1,
        },
    )

    sign_in(page, live_server, an.username)
    page.goto(f"{live_server.url}/thu-tuc/2.000488/nop/")
    expect(page.get_by_role("heading", level=1)).to_have_text("Nộp hồ sơ trực tuyến")
    parents = page.get_by_role("group", name="Thông tin về cha, mẹ, vợ/chồng")
    expect(parents.get_by_label("Họ và tên cha")).to_have_value("Nguyễn Văn Hùng")
    expect(parents.get_by_label("Họ và tên mẹ")).to_have_value("Lê Thị Lan")
    expect(parents.get_by_label("Họ và tên vợ/chồng")).to_have_value("Trần Thị Bình")
    expect(parents.get_by_text(PREFILLED_FROM_REGISTRY)).to_have_count(3)
    expect(page.get_by_text(PREFILLED_FROM_STORE)).to_have_count(0)
    # His own particulars are his, from the registry and his account.
    expect(page.locator("#f_applicant_full_name")).to_have_value("Nguyễn Văn An")
    expect(page.locator("#k_applicant_full_name")).to_have_text(PREFILLED_FROM_REGISTRY)
    # Name, birth date, sex, ethnicity, nationality, address, ID, phone, e-mail; father,
    # mother, wife; one copy (the form's default).
    expect(page.get_by_test_id("prefilled")).to_have_count(13)
    assert "Lê Thị Hồng" not in page.content()
    screenshot("prefill-judicial-an")
    accessible(page)

    # Bình's form: her name, parents and husband from her registry record (before what her
    # earlier declaration said of her parents).
    page.context.clear_cookies()
    sign_in(page, live_server, binh.username)
    page.goto(f"{live_server.url}/thu-tuc/2.000488/nop/")
    expect(page.locator("#f_applicant_full_name")).to_have_value("Trần Thị Bình")
    expect(page.locator("#f_father_full_name")).to_have_value("Trần Văn Bảo")
    expect(page.locator("#k_father_full_name")).to_have_text(PREFILLED_FROM_REGISTRY)
    expect(page.locator("#f_mother_full_name")).to_have_value("Hồ Thị Cúc")
    expect(page.locator("#f_spouse_full_name")).to_have_value("Nguyễn Văn An")
    # An's son's birth registration is his dossier, not hers.
    assert "Nguyễn Minh Khôi" not in page.content()
    assert "Lê Thị Hồng" not in page.content()
    screenshot("prefill-judicial-binh")
    accessible(page)


@pytest.mark.django_db(transaction=True)
def test_each_attachment_slot_is_named_and_offers_only_its_kind_of_result(
    live_server, page, accessible, screenshot, settings, tmp_path, ward, an
):
    settings.MEDIA_ROOT = tmp_path
    birth = ProcedureFactory(code="1.001193", name="Đăng ký khai sinh", agencies=[ward])
    marriage = ProcedureFactory(code="1.000894", name="Đăng ký kết hôn", agencies=[ward])
    correction = ProcedureFactory(
        code="1.004859",
        name="Đăng ký thay đổi, cải chính, bổ sung thông tin hộ tịch",
        agencies=[ward],
    )
    form = RequiredDocumentFactory(
        procedure=correction, position=1, name="Tờ khai đăng ký thay đổi, cải chính hộ tịch"
    )
    birth_slot = RequiredDocumentFactory(
        procedure=correction,
        position=2,
        name="Giấy khai sinh cần cải chính",
        accepts_results_of=["1.001193"],
    )
    marriage_slot = RequiredDocumentFactory(
        procedure=correction,
        position=3,
        name="Giấy chứng nhận kết hôn",
        optional=True,
        accepts_results_of=["1.000894"],
    )
    birth_result = _issued(_filed(an, birth, ward, {}), "trich-luc-khai-sinh.pdf")
    marriage_result = _issued(_filed(an, marriage, ward, {}), "giay-chung-nhan-ket-hon.pdf")

    sign_in(page, live_server, an.username)
    page.goto(f"{live_server.url}/thu-tuc/1.004859/nop/")
    # Every file input is told apart by its document's name.
    expect(
        page.get_by_label("Tải tệp lên: Tờ khai đăng ký thay đổi, cải chính hộ tịch")
    ).to_have_id(f"tep_{form.pk}")
    expect(page.get_by_label("Tải tệp lên: Giấy khai sinh cần cải chính")).to_have_id(
        f"tep_{birth_slot.pk}"
    )
    expect(page.get_by_label("Tải tệp lên: Giấy chứng nhận kết hôn")).to_have_id(
        f"tep_{marriage_slot.pk}"
    )
    # Each slot offers only the earlier result of its kind; the form's slot offers none.
    reuse_birth = page.get_by_label(
        "hoặc dùng lại kết quả đã có trong kho dữ liệu của bạn: Giấy khai sinh cần cải chính"
    )
    expect(reuse_birth.locator("option")).to_have_text(
        ["— Không dùng lại —", f"Đăng ký khai sinh — trich-luc-khai-sinh.pdf ({_today()})"]
    )
    reuse_marriage = page.get_by_label(
        "hoặc dùng lại kết quả đã có trong kho dữ liệu của bạn: Giấy chứng nhận kết hôn"
    )
    expect(reuse_marriage.locator("option")).to_have_text(
        ["— Không dùng lại —", f"Đăng ký kết hôn — giay-chung-nhan-ket-hon.pdf ({_today()})"]
    )
    expect(page.locator(f"#dung_lai_{form.pk}")).to_have_count(0)
    expect(page.get_by_test_id("reuse")).to_have_count(2)
    screenshot("attachment-slots")
    accessible(page)

    # Choosing them files each in its own slot.
    page.get_by_label("Họ, chữ đệm và tên người nộp").fill("Nguyễn Văn An")
    reuse_birth.select_option(str(birth_result.pk))
    reuse_marriage.select_option(str(marriage_result.pk))
    page.locator(f"#tep_{form.pk}").set_input_files(
        files=[{"name": "to-khai.pdf", "mimeType": "application/pdf", "buffer": PDF}]
    )
    page.get_by_role("button", name="Lưu nháp").click()
    expect(page.get_by_role("status").filter(has_text="Đã lưu nháp hồ sơ")).to_have_count(1)
    draft = Dossier.objects.get(procedure=correction)
    assert sorted(
        draft.documents.exclude(reused_from=None).values_list(
            "required_document__name", "reused_from__name"
        )
    ) == [
        ("Giấy chứng nhận kết hôn", "giay-chung-nhan-ket-hon.pdf"),
        ("Giấy khai sinh cần cải chính", "trich-luc-khai-sinh.pdf"),
    ]


def _today() -> str:
    return timezone.localdate().strftime("%d/%m/%Y")
