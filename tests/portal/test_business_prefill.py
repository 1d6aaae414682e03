"""Business-registry prefill (issue 16): the citizen filing for an organisation types its
enterprise code once; the organisation's name, head office and legal representative come from
the business registry — through the look-up endpoint the page's script calls, and on the
server when a posted or saved form carries the code."""

from __future__ import annotations

import json
import socket

import pytest

from motcua.catalog.eforms import eform_fields
from motcua.core.models import AuditEvent
from motcua.demo.eforms import EFORMS
from motcua.directory.models import Role
from motcua.dossiers.models import Dossier
from motcua.integration.business import Enterprise
from motcua.portal.eforms import (
    BUSINESS,
    Known,
    enterprise_of_answers,
    known_values,
)
from tests.factories import AgencyFactory, CitizenFactory, ProcedureFactory, staff

pytestmark = pytest.mark.django_db

URL = "/nop-ho-so/doanh-nghiep/"
FOOD_EFORM = json.loads((EFORMS / "2.000591.json").read_text(encoding="utf-8"))
LABEL = "Đã điền sẵn từ CSDL quốc gia về đăng ký doanh nghiệp"
SONG_HUONG = {
    "name": "Công ty TNHH Du lịch Sông Hương",
    "address": "8 Lê Lợi, phường Thuận Hóa, thành phố Huế",
    "legal_representative": "Nguyễn Thị Hoa",
    "legal_representative_title": "Giám đốc",
}


@pytest.fixture
def closed_port() -> int:
    """A local port nobody listens on (tests/integration/conftest.py's pattern)."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def citizen():
    return CitizenFactory(username="046085001234", personal_id="046085001234")


def test_a_registered_code_answers_the_organisations_particulars(client, citizen):
    client.force_login(citizen)
    response = client.get(URL, {"ma": " 3300215487 "})
    assert response.status_code == 200
    assert response.json() == {
        "found": True,
        "code": "3300215487",
        "values": SONG_HUONG,
        "label": LABEL,
    }


def test_a_dependent_units_thirteen_character_code_is_a_code(client, citizen):
    client.force_login(citizen)
    response = client.get(URL, {"ma": "3300100123-001"})
    assert response.status_code == 200
    assert response.json()["values"]["legal_representative"] == "Lê Thị Mai"


def test_nine_digits_are_refused_with_the_rule(client, citizen):
    client.force_login(citizen)
    response = client.get(URL, {"ma": "330021548"})
    assert response.status_code == 400
    assert response.json() == {
        "found": False,
        "code": "330021548",
        "message": "Mã số doanh nghiệp gồm 10 chữ số; mã số đơn vị phụ thuộc gồm 10 chữ số, "
        "dấu gạch ngang và 3 chữ số (ví dụ 3301234567-001).",
    }


def test_an_unregistered_code_is_said_so(client, citizen):
    client.force_login(citizen)
    response = client.get(URL, {"ma": "3300000000"})
    assert response.status_code == 404
    assert response.json()["message"] == (
        "Mã số doanh nghiệp 3300000000 không có trong CSDL quốc gia về đăng ký doanh nghiệp. "
        "Hãy kiểm tra lại mã số, hoặc tự điền thông tin doanh nghiệp."
    )


def test_the_registry_down_is_a_plain_notice_and_the_lookup_is_audited(
    client, citizen, settings, closed_port
):
    settings.MOTCUA_BUSINESS_REGISTRY_BACKEND = (
        "motcua.integration.registry_http.HttpBusinessRegistry"
    )
    settings.MOTCUA_BUSINESS_REGISTRY_URL = f"http://127.0.0.1:{closed_port}/dkkd/api/v1"
    settings.MOTCUA_REGISTRY_RETRIES = 0
    client.force_login(citizen)
    response = client.get(URL, {"ma": "3300215487"})
    assert response.status_code == 503
    assert response.json()["message"].startswith(
        "Hiện không kết nối được CSDL quốc gia về đăng ký doanh nghiệp."
    )
    rows = AuditEvent.objects.filter(action="registry.request")
    assert [(r.actor_id, r.data["purpose"], r.data["outcome"]) for r in rows] == [
        (citizen.pk, "apply_prefill", "unavailable")
    ]


def test_anonymous_visitors_are_sent_to_sign_in_and_staff_refused(client):
    response = client.get(URL, {"ma": "3300215487"})
    assert response.status_code == 302
    assert response["Location"].startswith("/dang-nhap/")
    client.force_login(staff(Role.RECEPTION, AgencyFactory()))
    assert client.get(URL, {"ma": "3300215487"}).status_code == 403


def test_known_values_take_the_registrys_particulars_for_the_code_in_the_answers(citizen):
    fields = eform_fields(FOOD_EFORM)
    lookup = enterprise_of_answers(fields, {"enterprise_code": "3300215487"}, user=citizen)
    assert lookup.enterprise == Enterprise(enterprise_code="3300215487", **SONG_HUONG)
    known = known_values(fields, person=None, user=None, store={}, enterprise=lookup.enterprise)
    # Looked up from what was typed: filled into a posted form's empty fields too.
    assert known == {
        "enterprise_name": Known(SONG_HUONG["name"], BUSINESS, looked_up=True),
        "enterprise_address": Known(SONG_HUONG["address"], BUSINESS, looked_up=True),
        "legal_representative": Known(SONG_HUONG["legal_representative"], BUSINESS, looked_up=True),
        "legal_representative_title": Known("Giám đốc", BUSINESS, looked_up=True),
    }
    # No code, or a form without an enterprise-code field: nothing asked.
    assert enterprise_of_answers(fields, {}, user=citizen).enterprise is None
    assert enterprise_of_answers(fields, {"enterprise_code": "12"}, user=citizen).invalid


def test_without_javascript_saving_the_draft_fills_the_organisation(client, citizen):
    ward = AgencyFactory(code="000.00.17.H46", name="Sở Công Thương")
    procedure = ProcedureFactory(
        code="2.000591", name="Cấp Giấy chứng nhận ATTP", agencies=[ward], eform=FOOD_EFORM
    )
    client.force_login(citizen)
    response = client.post(
        f"/thu-tuc/{procedure.code}/nop/",
        {"co_quan": ward.code, "hanh_dong": "luu_nhap", "enterprise_code": "3300215487"},
    )
    assert response.status_code == 302
    page = client.get(response["Location"])
    views = {v.name: v for s in page.context["sections"] for v in s["fields"]}
    assert {n: (views[n].value, views[n].prefilled) for n in SONG_HUONG_FIELDS} == {
        "enterprise_name": (SONG_HUONG["name"], LABEL),
        "enterprise_address": (SONG_HUONG["address"], LABEL),
        "legal_representative": (SONG_HUONG["legal_representative"], LABEL),
        "legal_representative_title": ("Giám đốc", LABEL),
    }
    assert Dossier.objects.get().form_data == {"enterprise_code": "3300215487"}


SONG_HUONG_FIELDS = (
    "enterprise_name",
    "enterprise_address",
    "legal_representative",
    "legal_representative_title",
)


def test_a_title_the_forms_list_does_not_hold_is_left_to_choose():
    fields = eform_fields(FOOD_EFORM)
    cooperative = Enterprise(
        enterprise_code="3300543276",
        name="Hợp tác xã Nón lá Phú Cam",
        address="Phường Phú Xuân, thành phố Huế",
        legal_representative="Hoàng Văn Quang",
        legal_representative_title="Chủ nhiệm hợp tác xã",
    )
    known = known_values(fields, person=None, user=None, store={}, enterprise=cooperative)
    assert sorted(known) == ["enterprise_address", "enterprise_name", "legal_representative"]


def test_saving_a_draft_with_the_registry_down_says_so_and_keeps_what_was_typed(
    client, citizen, settings, closed_port
):
    settings.MOTCUA_BUSINESS_REGISTRY_BACKEND = (
        "motcua.integration.registry_http.HttpBusinessRegistry"
    )
    settings.MOTCUA_BUSINESS_REGISTRY_URL = f"http://127.0.0.1:{closed_port}/dkkd/api/v1"
    settings.MOTCUA_REGISTRY_RETRIES = 0
    ward = AgencyFactory(code="000.00.17.H46", name="Sở Công Thương")
    procedure = ProcedureFactory(
        code="2.000591", name="Cấp Giấy chứng nhận ATTP", agencies=[ward], eform=FOOD_EFORM
    )
    client.force_login(citizen)
    typed = {"enterprise_code": "3300215487", "enterprise_name": "Công ty TNHH Du lịch Sông Hương"}
    response = client.post(
        f"/thu-tuc/{procedure.code}/nop/",
        {"co_quan": ward.code, "hanh_dong": "luu_nhap", **typed},
    )
    assert response.status_code == 302
    page = client.get(response["Location"])
    text = page.content.decode()

    assert 'data-testid="business-registry-down"' in text
    assert "hãy tự điền theo Giấy chứng nhận đăng ký doanh nghiệp" in text
    views = {v.name: v for s in page.context["sections"] for v in s["fields"]}
    assert (views["enterprise_name"].value, views["enterprise_name"].prefilled) == (
        "Công ty TNHH Du lịch Sông Hương",
        "",
    )
    assert Dossier.objects.get().form_data == typed


def test_with_the_registry_up_there_is_no_such_notice(client, citizen):
    ward = AgencyFactory(code="000.00.17.H46", name="Sở Công Thương")
    procedure = ProcedureFactory(
        code="2.000591", name="Cấp Giấy chứng nhận ATTP", agencies=[ward], eform=FOOD_EFORM
    )
    client.force_login(citizen)
    page = client.get(f"/thu-tuc/{procedure.code}/nop/")
    assert 'data-testid="business-registry-down"' not in page.content.decode()
