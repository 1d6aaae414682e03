"""The catalog's search page filters by the agency that handles a procedure, with the agencies
listed by their tree, combined with the text query, the sector and the level."""

from __future__ import annotations

import pytest

from motcua.catalog.models import Procedure
from motcua.catalog.selectors import agency_groups
from tests.factories import AgencyFactory, ProcedureFactory, SectorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def tree(db):
    """A province (handles nothing itself), two departments, a unit under one of them, two
    wards; one department handles nothing, one ward only an inactive procedure."""
    province = AgencyFactory(code="000.00.00.H46", name="UBND thành phố Huế", level="province")
    justice = AgencyFactory(
        code="000.00.11.H46", name="Sở Tư pháp", level="department", parent=province
    )
    AgencyFactory(code="000.00.12.H46", name="Sở Xây dựng", level="department", parent=province)
    notary = AgencyFactory(
        code="000.11.01.H46",
        name="Phòng Công chứng số 1",
        level="department",
        parent=justice,
    )
    ward = AgencyFactory(
        code="000.50.01.H46", name="UBND phường Thuận Hóa", level="commune", parent=province
    )
    closed = AgencyFactory(
        code="000.50.02.H46", name="UBND phường Phú Xuân", level="commune", parent=province
    )
    civil, judicial = SectorFactory(name="Hộ tịch"), SectorFactory(name="Lý lịch tư pháp")
    level = Procedure.Level
    ProcedureFactory(
        code="1.001193",
        name="Đăng ký khai sinh",
        sector=civil,
        level=level.COMMUNE,
        agencies=[ward],
    )
    ProcedureFactory(
        code="1.000656", name="Đăng ký khai tử", sector=civil, level=level.COMMUNE, agencies=[ward]
    )
    ProcedureFactory(
        code="2.000488",
        name="Cấp Phiếu lý lịch tư pháp",
        sector=judicial,
        agencies=[justice],
    )
    ProcedureFactory(
        code="2.000528",
        name="Đăng ký khai sinh có yếu tố nước ngoài",
        sector=civil,
        agencies=[justice, ward],
    )
    ProcedureFactory(
        code="2.001035", name="Công chứng hợp đồng", sector=judicial, agencies=[notary]
    )
    ProcedureFactory(code="1.099999", name="Thủ tục đã bãi bỏ", agencies=[closed], is_active=False)
    return province


def names(response) -> list[str]:
    return [p.name for p in response.context["procedures"]]


def test_the_agencies_are_grouped_under_their_root_and_indented(tree):
    groups = agency_groups()

    assert [g.label for g in groups] == ["UBND thành phố Huế"]
    assert [(o.code, o.label, o.handles) for o in groups[0].options] == [
        ("000.00.00.H46", "UBND thành phố Huế", False),
        ("000.00.11.H46", "Sở Tư pháp", True),
        ("000.11.01.H46", "\u00a0\u00a0\u00a0Phòng Công chứng số 1", True),
        ("000.50.01.H46", "UBND phường Thuận Hóa", True),
    ]


def test_the_home_page_offers_the_agency_select(client, tree):
    html = client.get("/").content.decode()

    assert '<label class="sr-only" for="agency">Cơ quan thực hiện</label>' in html
    assert '<optgroup label="UBND thành phố Huế">' in html
    assert '<option value="000.00.00.H46" disabled>UBND thành phố Huế</option>' in html
    assert '<option value="000.00.11.H46">Sở Tư pháp</option>' in html
    assert "Sở Xây dựng" not in html
    assert "UBND phường Phú Xuân" not in html


def test_filter_by_agency_alone(client, tree):
    response = client.get("/", {"agency": "000.50.01.H46"})

    assert names(response) == [
        "Đăng ký khai sinh",
        "Đăng ký khai sinh có yếu tố nước ngoài",
        "Đăng ký khai tử",
    ]
    assert '<option value="000.50.01.H46" selected>' in response.content.decode()


def test_filter_by_agency_with_the_query_without_diacritics(client, tree):
    response = client.get("/", {"q": "dang ky khai sinh", "agency": "000.00.11.H46"})

    assert names(response) == ["Đăng ký khai sinh có yếu tố nước ngoài"]


def test_filter_by_agency_with_sector_and_level(client, tree):
    civil = SectorFactory(name="Hộ tịch")

    by_sector = client.get("/", {"agency": "000.50.01.H46", "sector": civil.pk})
    by_level = client.get("/", {"agency": "000.50.01.H46", "level": "province"})
    everything = client.get(
        "/", {"q": "khai", "agency": "000.50.01.H46", "sector": civil.pk, "level": "commune"}
    )

    assert names(by_sector) == [
        "Đăng ký khai sinh",
        "Đăng ký khai sinh có yếu tố nước ngoài",
        "Đăng ký khai tử",
    ]
    assert names(by_level) == ["Đăng ký khai sinh có yếu tố nước ngoài"]
    assert names(everything) == ["Đăng ký khai tử", "Đăng ký khai sinh"]  # shorter first


def test_a_sub_agency_is_its_own_filter(client, tree):
    assert names(client.get("/", {"agency": "000.11.01.H46"})) == ["Công chứng hợp đồng"]
    assert names(client.get("/", {"agency": "000.00.11.H46"})) == [
        "Cấp Phiếu lý lịch tư pháp",
        "Đăng ký khai sinh có yếu tố nước ngoài",
    ]


@pytest.mark.parametrize("agency", ["000.00.00.H46", "000.00.12.H46", "khong-co", "x\x00"])
def test_an_agency_not_in_the_list_is_no_filter(client, tree, agency):
    response = client.get("/", {"agency": agency})

    assert response.status_code == 200
    assert len(names(response)) == 5
    assert response.context["agency"] == ""
    assert (
        " selected" not in response.content.decode().split('id="agency"')[1].split("</select>")[0]
    )
