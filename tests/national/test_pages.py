"""The national portal's pages: ranking, province, agency, indicator; the applicant's ID
only for national staff, and the pages absent outside national mode."""

from __future__ import annotations

import pytest
from django.test import override_settings

from motcua.core.models import AuditEvent
from motcua.directory.models import Role
from tests.factories import AgencyFactory, UserFactory, staff
from tests.national.conftest import message

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore:EdDSA is deprecated"),
]
PERIOD = "from=01/03/2025&to=31/03/2025"


@pytest.fixture
def synced(hue_key, hanoi_key, send_batch):
    send_batch(
        hue_key,
        [
            message("H.1", finished_at="20250305100000", status=10, e_result=True),
            message(
                "H.2",
                finished_at="20250320100000",
                supplements=2,
                status=10,
                applicant={"kind": 1, "id_kind": "CCCD", "id": "046190000999"},
            ),
            message("H.3", agency_code="000.00.90.H46", agency_name="UBND phường Thuận Hóa"),
        ],
    )
    send_batch(
        hanoi_key,
        [
            message(
                "N.1",
                channel=1,
                digitized=False,
                agency_code="000.00.11.H01",
                agency_name="Sở Tư pháp Hà Nội",
            )
        ],
        province="01",
    )


def test_the_ranking_page_lists_the_provinces_and_the_figures(synced, client):
    response = client.get(f"/quoc-gia/?{PERIOD}")

    assert response.status_code == 200
    page = response.content.decode()
    assert page.index("Thành phố Hà Nội") < page.index("Thành phố Huế")
    assert "94,00" in page and "Tốt" in page
    assert 'data-testid="figure-synced">4<' in page
    assert 'data-testid="figure-online">3<' in page
    assert "046190000123" not in page


def test_drill_down_province_agency_indicator(synced, client):
    province = client.get(f"/quoc-gia/46/?{PERIOD}")
    assert province.status_code == 200
    text = province.content.decode()
    assert "UBND phường Thuận Hóa" in text and "Sở Tư pháp" in text

    agency = client.get(f"/quoc-gia/46/co-quan/000.00.11.H46/?{PERIOD}")
    assert agency.status_code == 200
    assert "Hồ sơ giải quyết đúng hạn" in agency.content.decode()
    assert "1 / 2" in agency.content.decode()

    indicator = client.get(f"/quoc-gia/46/co-quan/000.00.11.H46/chi-tieu/on_time/?{PERIOD}")
    assert indicator.status_code == 200
    listing = indicator.content.decode()
    assert "H.1" in listing and "H.2" in listing and "H.3" not in listing
    assert "046190000999" not in listing
    assert "Số định danh người nộp" not in listing


def test_national_staff_see_the_applicant_id_and_the_read_is_audited(synced, client):
    leader = staff(Role.LEADER, AgencyFactory(code="000.00.00.G01"))
    citizen = UserFactory()
    url = f"/quoc-gia/46/co-quan/000.00.11.H46/chi-tieu/on_time/?{PERIOD}"

    client.force_login(citizen)
    assert "046190000999" not in client.get(url).content.decode()
    assert not AuditEvent.objects.filter(action="national.snapshots_read").exists()

    client.force_login(leader)
    page = client.get(url).content.decode()
    assert "046190000999" in page and "046190000123" in page
    event = AuditEvent.objects.get(action="national.snapshots_read")
    assert event.actor == leader
    assert event.data == {"codes": ["H.1", "H.2"]}


def test_unknown_province_agency_or_catalog_indicator_is_404(synced, client):
    assert client.get(f"/quoc-gia/99/?{PERIOD}").status_code == 404
    assert client.get(f"/quoc-gia/46/co-quan/NOPE/?{PERIOD}").status_code == 404
    assert (
        client.get(
            f"/quoc-gia/46/co-quan/000.00.11.H46/chi-tieu/content_full/?{PERIOD}"
        ).status_code
        == 404
    )


def test_a_bad_period_is_a_clear_400(client):
    response = client.get("/quoc-gia/?from=32/01/2025")
    assert response.status_code == 400
    assert "không hợp lệ" in response.content.decode()


def test_the_pages_are_absent_outside_national_mode(synced, client):
    with override_settings(MOTCUA_MODE="province"):
        assert client.get("/quoc-gia/").status_code == 404
        assert client.get(f"/quoc-gia/46/?{PERIOD}").status_code == 404
