"""“Hồ sơ của tôi” hands over what the agency issued: the signed e-result once the dossier is
approved (never the agency's draft before), and the e-receipt of every fee paid."""

from __future__ import annotations

import pytest

from motcua.dossiers.models import Dossier, DossierDocument, State
from motcua.payments.models import Payment, Status
from motcua.payments.services import notification_handle, payment_record_counter, payment_start
from tests.esign.fixtures import esign_pki_dir, pki, signed, with_result  # noqa: F401
from tests.factories import CitizenFactory, FeeLineFactory
from tests.payments.conftest import ipn_params, sandbox_gateway  # noqa: F401

pytestmark = pytest.mark.django_db

NOTE = "Kết quả đã được ký số — kiểm tra tại"


@pytest.fixture(autouse=True)
def _media(tmp_path, settings):
    settings.MEDIA_ROOT = tmp_path


@pytest.fixture
def fee(procedure):
    procedure.accepts_online_payment = True
    procedure.save(update_fields=["accepts_online_payment"])
    FeeLineFactory(procedure=procedure, name="Lệ phí cấp Phiếu lý lịch tư pháp", amount=200_000)
    return procedure


def page(client, user, dossier: Dossier) -> str:
    client.force_login(user)
    response = client.get(f"/ho-so-cua-toi/{dossier.public_code}/")
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("returned", [False, True])
def test_the_signed_result_is_listed_with_its_download_once_approved(
    client,
    walker,
    pki,  # noqa: F811
    returned,
):
    dossier, result = signed(walker)
    if returned:
        dossier = walker.act(dossier, "return")
    assert dossier.state == (State.RETURNED if returned else State.RESULT_READY)

    html = page(client, walker.citizen, dossier)

    section = html.split('data-testid="signed-results"')[1].split("</section>")[0]
    assert f'<a href="/ket-qua/{result.document_id}/tai-ve/">Tải kết quả: ' in section
    assert "Sở Tư pháp thử nghiệm ký số lúc" in section
    assert f'{NOTE} <a href="/ket-qua/xac-thuc/">/ket-qua/xac-thuc/</a>' in section
    download = client.get(f"/ket-qua/{result.document_id}/tai-ve/")
    assert download.status_code == 200
    assert download.content[:5] == b"%PDF-"


def test_before_approval_the_draft_result_is_neither_listed_nor_served(client, walker, pki):  # noqa: F811
    dossier, document = with_result(walker)
    assert (dossier.state, document.kind) == (State.IN_PROGRESS, DossierDocument.Kind.RESULT)

    html = page(client, walker.citizen, dossier)

    assert 'data-testid="signed-results"' not in html
    assert NOTE not in html
    assert f"/tai-lieu/{document.pk}/" not in html
    assert (
        client.get(f"/ho-so-cua-toi/{dossier.public_code}/tai-lieu/{document.pk}/").status_code
        == 404
    )
    assert client.get(f"/ket-qua/{document.pk}/tai-ve/").status_code == 404


def test_a_receipt_link_for_each_paid_payment_only(client, walker, fee, reception):
    dossier = walker.dossier_in(State.RECEIVED)
    failed, _url = payment_start(
        actor=walker.citizen, dossier=dossier, gateway_name="sandbox", return_url="http://x/"
    )
    notification_handle(gateway_name="sandbox", params=ipn_params(failed, result="failure"))
    cash = payment_record_counter(actor=reception, dossier=dossier, method="cash")
    assert list(
        Payment.objects.filter(dossier=dossier).order_by("id").values_list("status", flat=True)
    ) == [Status.FAILED, Status.PAID]

    html = page(client, walker.citizen, dossier)

    receipts = html.split('data-testid="receipts"')[1].split("</ul>")[0]
    assert receipts.count("<li>") == 1
    assert (
        f'<a href="/thanh-toan/bien-lai/{cash.order_ref}.pdf">Biên lai điện tử số '
        f"{cash.receipt_no} (PDF)</a>"
    ) in receipts
    assert "200.000 đồng, Tiền mặt tại quầy" in receipts
    assert failed.order_ref not in html
    assert "/thanh-toan/" + dossier.reference not in html  # paid: no "Thanh toán" button
    pdf = client.get(f"/thanh-toan/bien-lai/{cash.order_ref}.pdf")
    assert (pdf.status_code, pdf["Content-Type"]) == (200, "application/pdf")


def test_no_results_or_receipts_section_without_them(client, walker):
    html = page(client, walker.citizen, walker.dossier_in(State.RECEIVED))

    assert 'data-testid="signed-results"' not in html
    assert 'data-testid="receipts"' not in html


def test_someone_else_sees_neither_the_page_nor_the_files(client, walker, pki, fee, reception):  # noqa: F811
    dossier, result = signed(walker)
    cash = payment_record_counter(actor=reception, dossier=dossier, method="cash")
    client.force_login(CitizenFactory(username="046090000777", personal_id="046090000777"))

    assert client.get(f"/ho-so-cua-toi/{dossier.public_code}/").status_code == 404
    assert client.get(f"/ket-qua/{result.document_id}/tai-ve/").status_code == 404
    assert client.get(f"/thanh-toan/bien-lai/{cash.order_ref}.pdf").status_code == 404
