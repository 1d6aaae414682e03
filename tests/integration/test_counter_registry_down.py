"""The counter with the population registry unreachable: the page says so plainly, the
officer types the particulars, and the dossier is created — without `registry_lookup`."""

from __future__ import annotations

import pytest

from motcua.core.models import AuditEvent
from motcua.dossiers.models import Dossier

pytestmark = pytest.mark.django_db

KNOWN_ID = "046085001234"
WALK_IN = "/mot-cua/tiep-nhan/moi/"


@pytest.fixture
def registry_down(settings, closed_port):
    settings.MOTCUA_REGISTRY_BACKEND = "motcua.integration.registry_http.HttpRegistry"
    settings.MOTCUA_REGISTRY_URL = f"http://127.0.0.1:{closed_port}/dan-cu/api/v1"
    settings.MOTCUA_REGISTRY_TOKEN = "t"
    settings.MOTCUA_REGISTRY_RETRIES = 0


@pytest.fixture
def officer(client, reception):
    client.force_login(reception)
    return client


def walk_in_url(agency, procedure) -> str:
    return f"{WALK_IN}?co_quan={agency.code}&thu_tuc={procedure.code}"


def test_the_page_says_the_registry_cannot_be_reached(
    registry_down, officer, agency, three_step_procedure
):
    response = officer.post(
        walk_in_url(agency, three_step_procedure),
        {"hanh_dong": "tra_cuu", "applicant_id_number": KNOWN_ID},
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-testid="registry-down"' in page
    assert "CSDL quốc gia về dân cư đang không truy cập được." in page
    assert "Hiện không kết nối được CSDL quốc gia về dân cư." in page
    assert f'value="{KNOWN_ID}"' in page  # the ID stays; name and address are typed
    assert Dossier.objects.count() == 0
    assert AuditEvent.objects.get(action="registry.lookup").data["outcome"] == "unavailable"


def test_the_dossier_is_created_from_what_the_officer_typed(
    registry_down, officer, agency, three_step_procedure
):
    response = officer.post(
        walk_in_url(agency, three_step_procedure),
        {
            "hanh_dong": "tao",
            "channel": "direct",
            "applicant_id_number": KNOWN_ID,
            "applicant_name": "Nguyễn Văn An",
            "applicant_address": "20 Phan Đình Phùng, phường Thuận Hóa, thành phố Huế",
        },
        follow=True,
    )
    dossier = Dossier.objects.get(agency=agency)
    assert (dossier.applicant_name, dossier.registry_used) == ("Nguyễn Văn An", False)
    assert list(dossier.events.values_list("action", flat=True)) == ["create"]
    page = response.content.decode()
    assert f"Đã tạo hồ sơ {dossier.public_code}" in page
    assert "chưa được xác thực với CSDL" in page
    assert list(
        AuditEvent.objects.filter(action__startswith="registry.")
        .order_by("id")
        .values_list("action", "data__outcome")
    ) == [("registry.request", "unavailable"), ("registry.lookup", "unavailable")]
