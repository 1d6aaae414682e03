"""The defect as shipped: a procedure listing 200.000 đồng and 100.000 đồng for reduced
categories charged 300.000 đồng (the sum) online, at the counter, at the gateway and on the
receipt. Two applicants in two categories, through every place a person meets the amount."""

from __future__ import annotations

import io
from urllib.parse import parse_qsl, urlsplit

import pytest
from pypdf import PdfReader

from motcua.catalog.models import FeeLine
from motcua.core.errors import ValidationFailed
from motcua.directory.models import Role
from motcua.dossiers.models import Channel, Dossier, State
from motcua.dossiers.services import dossier_create, dossier_online_submit
from motcua.payments.models import Payment, Status
from motcua.payments.receipts import receipt_pdf
from motcua.payments.services import notification_handle, payment_record_counter, payment_start
from tests.factories import CitizenFactory, ProcedureFactory, staff
from tests.payments.conftest import ipn_params

pytestmark = pytest.mark.django_db

GENERAL = "Công dân không thuộc đối tượng được giảm, miễn phí"
STUDENT = "Sinh viên, người có công với cách mạng, thân nhân liệt sĩ"
EXEMPT = "Trẻ em, người cao tuổi, người khuyết tật, người thuộc hộ nghèo"
APPLY = "/thu-tuc/2.000488/nop/"
WALK_IN = "/mot-cua/tiep-nhan/moi/"


@pytest.fixture
def records(agency):
    """Phiếu lý lịch tư pháp: one of three rates by category, never their sum."""
    procedure = ProcedureFactory(
        code="2.000488",
        name="Cấp Phiếu lý lịch tư pháp",
        agencies=[agency],
        accepts_online_payment=True,
    )
    for name, amount, condition in (
        ("Phí cung cấp thông tin lý lịch tư pháp", 200_000, GENERAL),
        ("Phí cung cấp thông tin lý lịch tư pháp (giảm 50%)", 100_000, STUDENT),
        ("Miễn phí cung cấp thông tin lý lịch tư pháp", 0, EXEMPT),
    ):
        FeeLine.objects.create(
            procedure=procedure, name=name, amount=amount, group="doi_tuong", condition=condition
        )
    return procedure


@pytest.fixture
def an(db):
    return CitizenFactory(
        username="046085001234", personal_id="046085001234", full_name="Nguyễn Văn An"
    )


@pytest.fixture
def binh(db):
    return CitizenFactory(
        username="046203000555", personal_id="046203000555", full_name="Trần Thị Bình"
    )


def answers(citizen, agency, **extra) -> dict:
    return {
        "co_quan": agency.code,
        "hanh_dong": "nop",
        "applicant_full_name": citizen.full_name,
        "applicant_birth_date": "12/04/1985",
        "applicant_sex": "nam",
        "applicant_personal_id": citizen.personal_id,
        "applicant_address": "20 Phan Đình Phùng, phường Thuận Hóa, thành phố Huế",
        **extra,
    }


def apply_online(client, citizen, agency, category: str | None) -> Dossier:
    client.force_login(citizen)
    extra = {"doi_tuong_phi_1": category} if category is not None else {}
    response = client.post(APPLY, answers(citizen, agency, **extra))
    assert response.status_code == 302, response.content.decode()
    return Dossier.objects.get(applicant=citizen)


def pdf_text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    return " ".join(" ".join(page.extract_text() for page in reader.pages).split())


# --- online -----------------------------------------------------------------------------------


def test_the_form_asks_for_the_category_and_lists_rates_not_a_sum(client, records, an, agency):
    client.force_login(an)
    html = client.get(APPLY).content.decode()

    assert "Đối tượng nộp phí, lệ phí" in html
    assert f'value="{GENERAL}"' in html
    assert f'value="{STUDENT}"' in html
    assert f'value="{EXEMPT}"' in html
    assert "Chỉ thu một trong các mức sau (không cộng dồn)" in html
    assert "300.000" not in html


def test_online_submission_charges_the_rate_of_the_category_picked(
    client, records, an, binh, agency
):
    general = apply_online(client, an, agency, GENERAL)
    reduced = apply_online(client, binh, agency, STUDENT)

    assert (general.state, general.fee_amount, general.fee_choice) == (
        State.SUBMITTED,
        200_000,
        {"doi_tuong": GENERAL},
    )
    assert (reduced.state, reduced.fee_amount, reduced.fee_choice) == (
        State.SUBMITTED,
        100_000,
        {"doi_tuong": STUDENT},
    )
    client.force_login(binh)
    page = client.get(f"/thanh-toan/{reduced.reference}/").content.decode()
    assert 'data-testid="fee-total">100.000 đồng<' in page
    assert f"Đối tượng: {STUDENT}" in page
    assert "Thanh toán 100.000 đồng" in page


def test_an_exempt_applicant_owes_nothing(client, records, an, agency):
    dossier = apply_online(client, an, agency, EXEMPT)

    assert (dossier.fee_amount, dossier.fee_choice) == (0, {"doi_tuong": EXEMPT})
    with pytest.raises(ValidationFailed, match="không phải nộp phí, lệ phí"):
        payment_start(actor=an, dossier=dossier, gateway_name="sandbox", return_url="http://t/")


def test_submission_without_a_category_is_refused_and_nothing_is_submitted(
    client, records, an, agency
):
    client.force_login(an)
    response = client.post(APPLY, answers(an, agency))

    assert response.status_code == 400
    html = response.content.decode()
    assert "Hãy chọn đối tượng nộp phí, lệ phí" in html
    assert 'href="#doi_tuong_phi_1_1"' in html  # the error summary leads to the question
    assert Dossier.objects.count() == 0


def test_a_category_not_in_the_list_is_refused(client, records, an, agency):
    client.force_login(an)
    response = client.post(APPLY, answers(an, agency, doi_tuong_phi_1="Người nước ngoài"))

    assert response.status_code == 400
    assert "Đối tượng đã chọn không có trong danh sách" in response.content.decode()
    assert Dossier.objects.count() == 0


def test_a_draft_may_leave_the_category_for_later_but_not_its_submission(
    client, records, an, agency
):
    client.force_login(an)
    response = client.post(APPLY, answers(an, agency, hanh_dong="luu_nhap"))
    assert response.status_code == 302
    draft = Dossier.objects.get(applicant=an)
    assert (draft.state, draft.fee_amount, draft.fee_choice) == (State.DRAFT, 0, {})

    with pytest.raises(ValidationFailed) as refused:
        dossier_online_submit(actor=an, dossier=draft)

    assert refused.value.code == "fee_choice_missing"
    assert refused.value.message.startswith("Hãy chọn đối tượng nộp phí, lệ phí:")
    assert Dossier.objects.get(pk=draft.pk).state == State.DRAFT


def test_the_service_refuses_a_category_of_another_procedure(records, an, agency):
    with pytest.raises(ValidationFailed) as refused:
        dossier_create(
            actor=an,
            procedure=records,
            agency=agency,
            channel=Channel.ONLINE,
            applicant_name=an.full_name,
            fee_choice={"doi_tuong": "Doanh nghiệp"},
        )

    assert refused.value.code == "fee_choice_invalid"
    assert "“Doanh nghiệp” không áp dụng" in refused.value.message
    assert Dossier.objects.count() == 0


# --- the gateway and the receipt --------------------------------------------------------------


def test_the_gateway_is_asked_for_the_rate_and_the_receipt_says_it(
    client, records, an, binh, agency
):
    apply_online(client, an, agency, GENERAL)
    reduced = apply_online(client, binh, agency, STUDENT)

    payment, url = payment_start(
        actor=binh, dossier=reduced, gateway_name="sandbox", return_url="http://t/"
    )

    assert payment.amount == 100_000
    assert payment.lines == [
        {
            "name": "Phí cung cấp thông tin lý lịch tư pháp (giảm 50%)",
            "amount": 100_000,
            "condition": STUDENT,
        }
    ]
    assert dict(parse_qsl(urlsplit(url).query))["sb_Amount"] == "10000000"  # VND × 100
    notification_handle(gateway_name="sandbox", params=ipn_params(payment))
    payment.refresh_from_db()
    assert payment.status == Status.PAID
    text = pdf_text(receipt_pdf(payment))
    assert f"(đối tượng: {STUDENT}) 100.000 đồng" in text
    assert "Tổng cộng 100.000 đồng" in text
    assert "Số tiền bằng số: 100.000 đồng" in text
    assert "Số tiền bằng chữ: Một trăm nghìn đồng." in text
    assert "200.000" not in text and "300.000" not in text


# --- the counter ------------------------------------------------------------------------------


@pytest.fixture
def officer(client, agency):
    client.force_login(staff(Role.RECEPTION, agency, username="motcua_quay"))
    return client


def walk_in(officer, agency, records, person_id: str, name: str, category: str | None):
    data = {
        "hanh_dong": "tao",
        "channel": "direct",
        "applicant_id_number": person_id,
        "applicant_name": name,
    }
    if category is not None:
        data["doi_tuong_phi_1"] = category
    return officer.post(f"{WALK_IN}?co_quan={agency.code}&thu_tuc={records.code}", data)


def test_the_counter_picks_the_category_and_collects_its_rate(officer, records, agency):
    form = officer.get(f"{WALK_IN}?co_quan={agency.code}&thu_tuc={records.code}")
    assert f'value="{STUDENT}"' in form.content.decode()

    assert (
        walk_in(officer, agency, records, "046085001234", "Nguyễn Văn An", GENERAL).status_code
        == 302
    )
    assert (
        walk_in(officer, agency, records, "046203000555", "Trần Thị Bình", STUDENT).status_code
        == 302
    )

    general = Dossier.objects.get(applicant_id_number="046085001234")
    reduced = Dossier.objects.get(applicant_id_number="046203000555")
    assert (general.fee_amount, general.fee_choice) == (200_000, {"doi_tuong": GENERAL})
    assert (reduced.fee_amount, reduced.fee_choice) == (100_000, {"doi_tuong": STUDENT})
    reception = staff(Role.RECEPTION, agency, username="motcua_quay_2")
    for dossier in (general, reduced):
        dossier_transition_receive(reception, dossier)
    page = officer.get(f"/thanh-toan/quay/{reduced.public_code}/").content.decode()
    assert 'data-testid="fee-total">100.000 đồng<' in page
    assert f"Đối tượng: {STUDENT}" in page

    paid = payment_record_counter(actor=reception, dossier=reduced, method="cash")

    assert (paid.amount, paid.lines[0]["amount"]) == (100_000, 100_000)
    text = pdf_text(receipt_pdf(paid))
    assert "Tổng cộng 100.000 đồng" in text
    assert "Số tiền bằng chữ: Một trăm nghìn đồng." in text
    assert payment_record_counter(actor=reception, dossier=general, method="cash").amount == 200_000


def dossier_transition_receive(actor, dossier: Dossier) -> None:
    from tests.verbs import dossier_receive

    dossier_receive(actor=actor, dossier=Dossier.objects.get(pk=dossier.pk))


def test_the_counter_cannot_enter_a_dossier_without_the_category(officer, records, agency):
    response = walk_in(officer, agency, records, "046085001234", "Nguyễn Văn An", None)

    assert response.status_code == 400
    assert "Hãy chọn đối tượng nộp phí, lệ phí" in response.content.decode()
    assert Dossier.objects.count() == 0


def test_the_counter_service_refuses_a_missing_category(records, agency):
    reception = staff(Role.RECEPTION, agency, username="motcua_quay_3")

    with pytest.raises(ValidationFailed) as refused:
        dossier_create(
            actor=reception,
            procedure=records,
            agency=agency,
            channel=Channel.DIRECT,
            applicant_name="Nguyễn Văn An",
        )

    assert refused.value.code == "fee_choice_missing"
    assert Dossier.objects.count() == 0
    assert Payment.objects.count() == 0
