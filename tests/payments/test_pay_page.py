"""The citizen's "Thanh toán" page: the owner only, the right message for each case, and a
refused start leaves nothing behind."""

from __future__ import annotations

import pytest

from motcua.core.errors import PermissionDenied, ValidationFailed
from motcua.directory.models import Role
from motcua.dossiers.models import Dossier, State
from motcua.payments.models import Payment
from motcua.payments.services import payment_record_counter, payment_start
from tests.factories import CitizenFactory, staff


@pytest.fixture
def dossier(walker, fees):
    return walker.dossier_in(State.SUBMITTED)


def test_anonymous_is_sent_to_sign_in(client, dossier):
    url = f"/thanh-toan/{dossier.reference}/"
    for response in (client.get(url), client.post(url)):
        assert response.status_code == 302
        assert response["Location"] == f"/dang-nhap/?next={url}"
    assert Payment.objects.count() == 0


@pytest.mark.parametrize("who", ["other_citizen", "reception_here", "reception_elsewhere"])
def test_only_the_owner_pays(client, dossier, agency, other_agency, who):
    person = {
        "other_citizen": lambda: CitizenFactory(),
        "reception_here": lambda: staff(Role.RECEPTION, agency, username="quay_2"),
        "reception_elsewhere": lambda: staff(Role.RECEPTION, other_agency, username="quay_3"),
    }[who]()
    client.force_login(person)
    url = f"/thanh-toan/{dossier.reference}/"
    assert client.get(url).status_code == 404
    assert client.post(url).status_code == 404
    with pytest.raises(PermissionDenied):
        payment_start(actor=person, dossier=dossier, gateway_name="sandbox", return_url="http://t/")
    assert Payment.objects.count() == 0


def test_a_free_dossier_has_nothing_to_pay(client, walker, citizen):
    dossier = walker.dossier_in(State.SUBMITTED)
    client.force_login(citizen)
    page = client.get(f"/thanh-toan/{dossier.reference}/").content.decode()
    assert "Hồ sơ này không phải nộp phí, lệ phí." in page
    assert 'data-testid="pay-button"' not in page
    response = client.post(f"/thanh-toan/{dossier.reference}/")
    assert response.status_code == 400
    assert Payment.objects.count() == 0


def test_a_procedure_without_online_payment_sends_to_the_counter(client, dossier, fees, citizen):
    fees.accepts_online_payment = False
    fees.save(update_fields=["accepts_online_payment"])
    client.force_login(citizen)
    page = client.get(f"/thanh-toan/{dossier.reference}/").content.decode()
    assert "chưa hỗ trợ thanh toán trực tuyến" in page
    assert 'data-testid="pay-button"' not in page
    with pytest.raises(ValidationFailed):
        payment_start(actor=citizen, dossier=dossier, gateway_name="sandbox", return_url="x")
    assert Payment.objects.count() == 0


@pytest.mark.parametrize(
    ("state", "payable"),
    [
        (State.SUBMITTED, True),
        (State.RECEIVED, True),
        (State.IN_PROGRESS, True),
        (State.SUSPENDED, True),
        (State.RESULT_READY, True),
        (State.RETURNED, False),
        (State.REFUSED, False),
        (State.WITHDRAWN, False),
    ],
)
def test_payable_until_the_result_is_returned(client, walker, fees, citizen, state, payable):
    dossier = walker.dossier_in(state)
    client.force_login(citizen)
    response = client.post(f"/thanh-toan/{dossier.reference}/")
    if payable:
        assert response.status_code == 302
        assert Payment.objects.filter(dossier=dossier).count() == 1
    else:
        assert response.status_code == 400
        assert "Hồ sơ đã kết thúc" in response.content.decode()
        assert Payment.objects.count() == 0
        assert Dossier.objects.get(pk=dossier.pk).version == dossier.version


def test_a_draft_is_paid_once_submitted(client, walker, fees, citizen, reception):
    # Until submission the applicant can still change the procedure and the agency, and a
    # payment names the agency that collects.
    draft = walker.dossier_in(State.DRAFT)
    client.force_login(citizen)
    message = "Hồ sơ chưa được nộp. Hãy nộp hồ sơ rồi thanh toán phí, lệ phí."

    page = client.get(f"/thanh-toan/{draft.reference}/").content.decode()
    response = client.post(f"/thanh-toan/{draft.reference}/")

    assert message in page
    assert 'data-testid="pay-button"' not in page
    assert response.status_code == 400
    assert message in response.content.decode()
    with pytest.raises(ValidationFailed) as refused:
        payment_start(actor=citizen, dossier=draft, gateway_name="sandbox", return_url="x")
    assert refused.value.fields == {"dossier": "draft"}
    with pytest.raises(ValidationFailed, match="chưa được nộp"):
        payment_record_counter(actor=reception, dossier=draft, method="cash")
    assert Payment.objects.count() == 0
    assert Dossier.objects.get(pk=draft.pk).version == draft.version


def test_an_unknown_gateway_is_refused(client, dossier, citizen):
    client.force_login(citizen)
    response = client.post(f"/thanh-toan/{dossier.reference}/", {"cong": "khong-co"})
    assert response.status_code == 400
    assert "Cổng thanh toán không hợp lệ." in response.content.decode()
    assert Payment.objects.count() == 0


def test_a_dossier_by_its_code_after_reception(client, walker, fees, citizen):
    dossier = walker.dossier_in(State.RECEIVED)
    client.force_login(citizen)
    assert client.get(f"/thanh-toan/{dossier.code}/").status_code == 200
    assert client.get(f"/thanh-toan/{dossier.reference}/").status_code == 200


def test_with_no_gateway_configured_the_button_is_gone_and_a_post_is_refused(
    client, dossier, citizen, settings
):
    settings.MOTCUA_PAYMENT_GATEWAYS = {}
    client.force_login(citizen)
    page = client.get(f"/thanh-toan/{dossier.reference}/").content.decode()
    assert "Hệ thống chưa kết nối cổng thanh toán." in page
    assert 'data-testid="pay-button"' not in page
    response = client.post(f"/thanh-toan/{dossier.reference}/")
    assert response.status_code == 400
    assert "Cổng thanh toán không hợp lệ." in response.content.decode()
    assert Payment.objects.count() == 0
