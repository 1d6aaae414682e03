"""Public tracking (§10, §11): anyone with the code, no personal data."""

from __future__ import annotations

import pytest
from django.db import transaction

from motcua.dossiers.lifecycle import dossier_record
from motcua.dossiers.models import State

pytestmark = pytest.mark.django_db


def test_the_public_api_shows_progress_without_personal_data(client, walker, citizen):
    dossier = walker.dossier_in(State.IN_PROGRESS)
    body = client.get(f"/api/v1/dossiers/{dossier.code}/public").json()
    assert (body["code"], body["state"], body["state_label"]) == (
        dossier.code,
        "in_progress",
        "Đang xử lý",
    )
    assert body["procedure"] == {"code": "2.000488", "name": "Cấp Phiếu lý lịch tư pháp"}
    assert [e["action"] for e in body["events"]] == [
        "create",
        "submit",
        "receive",
        "forward",
        "forward",
    ]
    assert body["events"][2]["text"] == "Tiếp nhận hồ sơ"
    raw = str(body)
    for secret in (citizen.full_name, citizen.personal_id):
        assert secret not in raw


def test_the_public_page_shows_the_appointment_and_events(client, walker, citizen):
    dossier = walker.dossier_in(State.RECEIVED)
    response = client.get(f"/tra-cuu/{dossier.code}/")
    text = response.content.decode()
    assert response.status_code == 200
    assert "10:00 05/03/2026" in text
    assert "Tiếp nhận hồ sơ" in text
    assert citizen.full_name not in text and citizen.personal_id not in text


def test_an_unknown_code_and_a_draft_are_not_found(client, walker):
    draft = walker.create()
    assert client.get(f"/api/v1/dossiers/{draft.reference}/public").status_code == 404
    assert client.get("/tra-cuu/KHONG-CO/").status_code == 404
    assert client.get("/api/v1/dossiers/KHONG-CO/public").json()["code"] == "not_found"


def test_letters_go_to_the_applicant_and_staff_only(client, walker, citizen, reception):
    dossier = walker.dossier_in(State.RECEIVED)
    url = f"/ho-so/{dossier.code}/van-ban/receipt.pdf"
    assert client.get(url).status_code == 302  # to sign-in
    from tests.factories import CitizenFactory

    client.force_login(CitizenFactory(username="046090000444", personal_id="046090000444"))
    assert client.get(url).status_code == 404
    client.force_login(citizen)
    response = client.get(url)
    assert (response.status_code, response["Content-Type"]) == (200, "application/pdf")
    client.force_login(reception)
    assert client.get(url).status_code == 200
    assert client.get(f"/ho-so/{dossier.code}/van-ban/apology.pdf").status_code == 404


def test_every_event_reads_as_vietnamese_even_one_without_a_label(client, walker):
    dossier = walker.dossier_in(State.RECEIVED)
    with transaction.atomic():
        dossier_record(actor=None, dossier=dossier, action="pay")
        dossier_record(actor=None, dossier=dossier, action="a_future_capability")
    texts = [
        e["text"] for e in client.get(f"/api/v1/dossiers/{dossier.code}/public").json()["events"]
    ]
    assert texts[-2:] == ["Đã nộp phí, lệ phí", "Hồ sơ được cập nhật"]
