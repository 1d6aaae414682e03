"""The business registry: the code's form, the local file, the HTTP connector against the
stand-in service, the setting that chooses between them."""

from __future__ import annotations

import pytest
import requests

from motcua.core.errors import ValidationFailed
from motcua.core.models import AuditEvent
from motcua.integration.business import (
    Enterprise,
    LocalBusinessRegistry,
    business_registry,
    enterprise_code_parse,
    enterprise_from_json,
    enterprise_to_json,
)
from motcua.integration.registry import RegistryUnavailable
from motcua.integration.registry_http import HttpBusinessRegistry
from motcua.standins.registries import expected_token

pytestmark = pytest.mark.django_db

HEAD_OFFICE = Enterprise(
    enterprise_code="3300215487",
    name="Công ty TNHH Du lịch Sông Hương",
    address="8 Lê Lợi, phường Thuận Hóa, thành phố Huế",
    legal_representative="Nguyễn Thị Hoa",
    legal_representative_title="Giám đốc",
)


@pytest.fixture
def business_url(standins) -> str:
    return f"{standins.url}/dkkd/api/v1"


@pytest.mark.parametrize("code", ["3300215487", " 3300100123-001 "])
def test_ten_digits_or_a_dependent_units_thirteen_are_codes(code):
    assert enterprise_code_parse(code) == code.strip()


@pytest.mark.parametrize(
    "code", ["", "330021548", "33002154870", "3300100123-01", "3300100123001", "33002154８7", "abc"]
)
def test_anything_else_is_refused(code):
    with pytest.raises(ValidationFailed):
        enterprise_code_parse(code)


def test_the_demo_file_holds_enterprises_of_hue():
    enterprises = LocalBusinessRegistry().enterprises()
    assert len(enterprises) == 21
    assert all(e.address.endswith("thành phố Huế") for e in enterprises)
    assert len({e.enterprise_code for e in enterprises}) == 21
    assert business_registry().lookup("3300215487") == HEAD_OFFICE
    assert business_registry().lookup("3300000000") is None


def test_an_answer_without_the_title_reads_as_no_title():
    # A registry that predates the field (or does not share it) still answers.
    answer = enterprise_to_json(HEAD_OFFICE)
    del answer["legal_representative_title"]
    assert enterprise_from_json(answer) == Enterprise(
        **{**enterprise_to_json(HEAD_OFFICE), "legal_representative_title": ""}
    )


def test_the_connector_asks_the_stand_in(business_url):
    registry = HttpBusinessRegistry(url=business_url, token=expected_token())
    assert registry.lookup("3300215487", purpose="business_check") == HEAD_OFFICE
    branch = registry.lookup("3300100123-001")
    assert (branch.name, branch.legal_representative, branch.legal_representative_title) == (
        "Chi nhánh Công ty Cổ phần Dệt may Phú Hòa An tại phường Thuận Hóa",
        "Lê Thị Mai",
        "Giám đốc chi nhánh",
    )
    assert registry.lookup("3300000000") is None
    assert list(
        AuditEvent.objects.filter(action="registry.request")
        .order_by("id")
        .values_list("object_type", "object_id", "data")
    ) == [
        (
            "enterprise_code",
            "3300215487",
            {"service": "business_registry", "purpose": "business_check", "outcome": "found"},
        ),
        (
            "enterprise_code",
            "3300100123-001",
            {"service": "business_registry", "purpose": "unspecified", "outcome": "found"},
        ),
        (
            "enterprise_code",
            "3300000000",
            {"service": "business_registry", "purpose": "unspecified", "outcome": "not_found"},
        ),
    ]


def test_the_service_refuses_without_the_token_and_a_malformed_code(business_url):
    assert requests.get(f"{business_url}/doanh-nghiep/3300215487", timeout=5).status_code == 401
    bad = requests.get(
        f"{business_url}/doanh-nghiep/12345",
        headers={"Authorization": f"Bearer {expected_token()}"},
        timeout=5,
    )
    assert (bad.status_code, bad.json()["code"]) == (400, "invalid")
    with pytest.raises(RegistryUnavailable):
        HttpBusinessRegistry(url=business_url, token="wrong").lookup("3300215487")


def test_a_business_registry_down_is_unavailable(closed_port):
    registry = HttpBusinessRegistry(url=f"http://127.0.0.1:{closed_port}", token="t", retries=0)
    with pytest.raises(RegistryUnavailable):
        registry.lookup("3300215487")
    assert AuditEvent.objects.get(action="registry.request").data["outcome"] == "unavailable"


def test_the_setting_chooses_the_http_connector(settings, business_url):
    settings.MOTCUA_BUSINESS_REGISTRY_BACKEND = (
        "motcua.integration.registry_http.HttpBusinessRegistry"
    )
    settings.MOTCUA_BUSINESS_REGISTRY_URL = business_url
    settings.MOTCUA_REGISTRY_TOKEN = expected_token()  # the business token falls back to it
    assert business_registry().lookup("3300215487") == HEAD_OFFICE
