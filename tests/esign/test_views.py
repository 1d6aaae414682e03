"""The public verification page and API, the result download, the processing page's
"Ký số và phê duyệt"."""

from __future__ import annotations

import hashlib

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from motcua.core.models import AuditEvent
from motcua.directory.models import Role
from motcua.dossiers.models import Dossier, State
from motcua.esign.models import SignedResult
from tests.esign.fixtures import at_approval, signed, with_result
from tests.factories import CitizenFactory, staff


def pdf_of(result) -> bytes:
    with result.document.file.open("rb") as handle:
        return handle.read()


def upload(data: bytes) -> SimpleUploadedFile:
    return SimpleUploadedFile("ket-qua.pdf", data, content_type="application/pdf")


@pytest.mark.django_db
def test_verification_page_valid_shows_agency_signer_and_code_but_no_personal_id(
    client, walker, pki
):
    dossier, result = signed(walker)

    response = client.post("/ket-qua/xac-thuc/", {"file": upload(pdf_of(result))})

    html = response.content.decode()
    assert response.status_code == 200
    assert 'data-code="valid"' in html
    assert "Kết quả hợp lệ" in html
    assert '<td data-testid="agency">Sở Tư pháp thử nghiệm</td>' in html
    assert f'<td data-testid="dossier-code">{dossier.code}</td>' in html
    assert f'<td data-testid="signer">{walker.approver.full_name}</td>' in html
    assert walker.citizen.personal_id not in html
    assert walker.citizen.full_name not in html


@pytest.mark.django_db
def test_verification_page_tampered_is_not_valid(client, walker, pki):
    _dossier, result = signed(walker)
    data = pdf_of(result)
    tampered = data.replace(b"motcua", b"MOTCUA", 1)

    response = client.post("/ket-qua/xac-thuc/", {"file": upload(tampered)})

    html = response.content.decode()
    assert 'data-code="tampered"' in html
    assert "Kết quả không hợp lệ" in html
    assert 'data-testid="details"' not in html


@pytest.mark.django_db
def test_verification_page_without_file_is_a_400_with_a_message(client, db):
    response = client.post("/ket-qua/xac-thuc/", {})

    assert response.status_code == 400
    assert "Hãy chọn tệp PDF cần xác thực." in response.content.decode()


@pytest.mark.django_db
def test_qr_target_shows_the_record_and_checks_the_copy(client, walker, pki):
    dossier, result = signed(walker)

    page = client.get(f"/ket-qua/xac-thuc/{result.token}/")
    checked = client.post(f"/ket-qua/xac-thuc/{result.token}/", {"file": upload(pdf_of(result))})

    assert page.status_code == 200
    html = page.content.decode()
    assert f"<td>{dossier.code}</td>" in html
    assert "<td>Sở Tư pháp thử nghiệm</td>" in html
    assert walker.citizen.personal_id not in html
    assert 'data-code="valid"' in checked.content.decode()
    assert client.get("/ket-qua/xac-thuc/khong-ton-tai/").status_code == 404


@pytest.mark.django_db
def test_api_verify(client, walker, pki):
    dossier, result = signed(walker)

    valid = client.post("/api/v1/results/verify", {"file": upload(pdf_of(result))})
    unsigned = client.post("/api/v1/results/verify", {"file": upload(b"%PDF-1.4\n%%EOF\n")})

    assert valid.status_code == 200
    body = valid.json()
    assert body["valid"] is True
    assert (body["code"], body["agency"], body["agency_code"], body["dossier_code"]) == (
        "valid",
        "Sở Tư pháp thử nghiệm",
        "000.00.11.H99",
        dossier.code,
    )
    assert body["signer"] == walker.approver.full_name
    assert "applicant" not in str(body)
    assert unsigned.json()["valid"] is False
    assert unsigned.json()["code"] in ("unsigned", "not_pdf")


@pytest.mark.django_db
def test_download_owner_after_approval_and_agency_staff_only(client, walker, pki, other_agency):
    dossier, document = with_result(walker)
    url = f"/ket-qua/{document.pk}/tai-ve/"

    assert client.get(url).status_code == 302  # anonymous → sign in
    client.force_login(walker.citizen)
    assert client.get(url).status_code == 404  # a draft result is the agency's until approval

    client.force_login(walker.approver)
    response = client.post(
        f"/mot-cua/xu-ly/{dossier.code}/ky-so-phe-duyet/",
        {"version": dossier.version, "document": document.pk, "note": ""},
    )
    assert response.status_code == 302
    assert Dossier.objects.get(pk=dossier.pk).state == State.RESULT_READY

    client.force_login(walker.citizen)
    response = client.get(url)
    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == (
        f'attachment; filename="ket-qua-{dossier.code}-{document.pk}.pdf"'
    )
    assert SignedResult.objects.get().sha256 == hashlib.sha256(response.content).hexdigest()
    client.force_login(walker.reception)
    assert client.get(url).status_code == 200
    for outsider in (
        CitizenFactory(username="079090000003"),
        staff(Role.APPROVER, other_agency, username="ld_so_khac"),
    ):
        client.force_login(outsider)
        assert client.get(url).status_code == 404
    audits = AuditEvent.objects.filter(action="esign.download").order_by("id")
    assert [a.data["as"] for a in audits] == ["owner", "staff"]


@pytest.mark.django_db
def test_processing_page_offers_signing_only_to_the_approver(client, walker, pki):
    dossier, document = with_result(walker)
    page = f"/mot-cua/xu-ly/{dossier.code}/"

    client.force_login(walker.approver)
    html = client.get(page).content.decode()
    assert 'id="ky-so-phe-duyet"' in html
    assert f'<option value="{document.pk}"' in html

    client.force_login(walker.specialist)
    assert 'id="ky-so-phe-duyet"' not in client.get(page).content.decode()
    response = client.post(
        f"{page}ky-so-phe-duyet/",
        {"version": dossier.version, "document": document.pk},
    )
    assert response.status_code == 403
    assert Dossier.objects.get(pk=dossier.pk).state == State.IN_PROGRESS
    assert SignedResult.objects.count() == 0


@pytest.mark.django_db
def test_generate_result_from_template_on_the_processing_page(client, walker, pki):
    dossier = at_approval(walker)
    client.force_login(walker.approver)
    html = client.get(f"/mot-cua/xu-ly/{dossier.code}/").content.decode()
    assert "TÌNH TRẠNG ÁN TÍCH: Không có án tích." in html  # 2.000488's template, prefilled

    response = client.post(
        f"/mot-cua/xu-ly/{dossier.code}/tao-ket-qua/",
        {"version": dossier.version, "text": "Họ và tên: Nguyễn Văn 0\nKhông có án tích."},
    )

    assert response.status_code == 302
    document = dossier.documents.get(kind="result")
    assert (document.content_type, document.name) == (
        "application/pdf",
        f"Phiếu lý lịch tư pháp {dossier.code}.pdf",
    )
    # A draft until approval: not yet an e-result, the applicant is not told.
    assert Dossier.objects.get(pk=dossier.pk).e_result is False
    assert dossier.events.order_by("-seq").first().action == "result_drafted"
