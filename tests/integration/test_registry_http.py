"""The population registry's HTTP connector against the stand-in service, run as a real
process (`standins`): found, not found, a wrong token, a registry down or silent, the circuit
breaker, the audit row — and no personal data in the logs."""

from __future__ import annotations

import logging
import time
from datetime import date

import pytest
import requests

from motcua.core.errors import ValidationFailed
from motcua.core.models import AuditEvent
from motcua.integration.registry import (
    RegistryPerson,
    RegistryUnavailable,
    Relative,
    person_from_json,
    person_to_json,
    personal_id_fingerprint,
    population_registry,
)
from motcua.integration.registry_http import CircuitBreaker, HttpRegistry
from motcua.standins.registries import expected_token

pytestmark = pytest.mark.django_db

KNOWN_ID = "046085001234"  # Nguyễn Văn An in registry.json
UNKNOWN_ID = "046085999999"


def registry(base: str, **kwargs) -> HttpRegistry:
    kwargs.setdefault("token", expected_token())
    return HttpRegistry(url=base, **kwargs)


@pytest.fixture
def population_url(standins) -> str:
    return f"{standins.url}/dan-cu/api/v1"


def test_a_known_person_comes_back_from_the_service(population_url):
    person = registry(population_url).lookup(KNOWN_ID)
    assert person == RegistryPerson(
        personal_id=KNOWN_ID,
        full_name="Nguyễn Văn An",
        birth_date=date(1985, 4, 12),
        sex="nam",
        permanent_address="20 Phan Đình Phùng, phường Thuận Hóa, thành phố Huế",
        ethnicity="Kinh",
        nationality="Việt Nam",
        father=Relative("046055000118", "Nguyễn Văn Hùng"),
        mother=Relative("046158000119", "Lê Thị Lan"),
        spouse=Relative("046192005678", "Trần Thị Bình"),
        household_head=Relative(KNOWN_ID, "Nguyễn Văn An"),
        household_relationship="chủ hộ",
    )


def test_the_service_keeps_its_original_keys_and_adds_the_others(population_url):
    response = requests.post(
        f"{population_url}/cong-dan/tra-cuu",
        json={"personal_id": "046192005678"},
        headers={"Authorization": f"Bearer {expected_token()}"},
        timeout=5,
    )
    assert response.json() == {
        "personal_id": "046192005678",
        "full_name": "Trần Thị Bình",
        "birth_date": "1992-09-03",
        "sex": "nữ",
        "permanent_address": "151 Bà Triệu, phường An Cựu, thành phố Huế",
        "ethnicity": "Kinh",
        "nationality": "Việt Nam",
        "current_residence": "20 Phan Đình Phùng, phường Thuận Hóa, thành phố Huế",
        "household_relationship": "con",
        "father": {"personal_id": "046060000215", "full_name": "Trần Văn Bảo"},
        "mother": {"personal_id": "046163000216", "full_name": "Hồ Thị Cúc"},
        "spouse": {"personal_id": "046085001234", "full_name": "Nguyễn Văn An"},
        "household_head": {"personal_id": "046060000215", "full_name": "Trần Văn Bảo"},
    }


def test_an_answer_without_the_new_keys_still_reads():
    old = {
        "personal_id": "046084005001",
        "full_name": "Trần Đức Vinh",
        "birth_date": "1984-01-27",
        "sex": "nam",
        "permanent_address": "Huế",
    }
    person = person_from_json(old)
    assert (person.ethnicity, person.spouse, person.household_head) == ("", None, None)
    assert person_to_json(person) == old


@pytest.mark.parametrize(
    "relation",
    [{"personal_id": "123", "full_name": "A"}, {"personal_id": KNOWN_ID}, "Trần Thị Bình", 7],
)
def test_a_malformed_relation_is_a_bad_answer(relation):
    body = {**person_to_json(person_from_json(_AN_FIVE)), "spouse": relation}
    with pytest.raises(ValueError):
        person_from_json(body)


_AN_FIVE = {
    "personal_id": KNOWN_ID,
    "full_name": "Nguyễn Văn An",
    "birth_date": "1985-04-12",
    "sex": "nam",
    "permanent_address": "Huế",
}


def test_an_unknown_person_is_none(population_url):
    assert registry(population_url).lookup(UNKNOWN_ID) is None


def test_a_malformed_id_is_refused_before_any_request(closed_port):
    with pytest.raises(ValidationFailed):
        registry(f"http://127.0.0.1:{closed_port}").lookup("12345")
    assert AuditEvent.objects.count() == 0


def test_the_service_wants_the_token(population_url, standins):
    # The service itself: no token, a wrong one.
    address = f"{population_url}/cong-dan/tra-cuu"
    assert requests.post(address, json={"personal_id": KNOWN_ID}, timeout=5).status_code == 401
    wrong = {"Authorization": "Bearer nope"}
    answer = requests.post(address, json={"personal_id": KNOWN_ID}, headers=wrong, timeout=5)
    assert answer.status_code == 401
    # The connector: a wrong token is the registry unavailable, not "not found".
    with pytest.raises(RegistryUnavailable):
        registry(population_url, token="wrong").lookup(KNOWN_ID)


def test_a_registry_down_is_unavailable_within_the_budget(closed_port):
    started = time.monotonic()
    with pytest.raises(RegistryUnavailable):
        registry(f"http://127.0.0.1:{closed_port}", retries=2, budget=3).lookup(KNOWN_ID)
    assert time.monotonic() - started < 3


def test_a_silent_registry_times_out_within_the_budget(silent_port):
    started = time.monotonic()
    with pytest.raises(RegistryUnavailable):
        registry(f"http://127.0.0.1:{silent_port}", read_timeout=0.3, budget=1.0, retries=5).lookup(
            KNOWN_ID
        )
    # Retried, but the whole lookup keeps to the budget (and a little for the back-off).
    assert time.monotonic() - started < 1.5


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def test_the_breaker_opens_after_failures_and_half_opens_after_the_cooldown(
    closed_port, population_url
):
    clock = Clock()
    breaker = CircuitBreaker(failures=3, cooldown=30, clock=clock)
    down = registry(f"http://127.0.0.1:{closed_port}", retries=0, breaker=breaker)
    for _ in range(3):
        with pytest.raises(RegistryUnavailable):
            down.lookup(KNOWN_ID)
    assert breaker.state == CircuitBreaker.OPEN
    # Open: refused at once, even against a registry that would answer.
    up = registry(population_url, breaker=breaker)
    with pytest.raises(RegistryUnavailable, match="circuit open"):
        up.lookup(KNOWN_ID)
    # After the cool-down one trial goes through; a failed trial opens the circuit again.
    clock.now += 30
    assert breaker.state == CircuitBreaker.HALF_OPEN
    with pytest.raises(RegistryUnavailable):
        down.lookup(KNOWN_ID)
    assert breaker.state == CircuitBreaker.OPEN
    # A successful trial closes it.
    clock.now += 30
    assert up.lookup(KNOWN_ID).full_name == "Nguyễn Văn An"
    assert breaker.state == CircuitBreaker.CLOSED


def test_half_open_lets_one_trial_through_at_a_time():
    clock = Clock()
    breaker = CircuitBreaker(failures=1, cooldown=10, clock=clock)
    breaker.failed()
    assert not breaker.allow()
    clock.now += 10
    assert breaker.allow()
    assert not breaker.allow()  # the trial is out
    breaker.succeeded()
    assert breaker.allow()


def test_every_lookup_is_audited_and_nothing_personal_is_logged(
    population_url, closed_port, caplog, citizen
):
    caplog.set_level(logging.DEBUG)
    registry(population_url).lookup(KNOWN_ID, actor=citizen, purpose="apply_prefill")
    registry(population_url).lookup(UNKNOWN_ID, purpose="sign_up")
    with pytest.raises(RegistryUnavailable):
        registry(f"http://127.0.0.1:{closed_port}", retries=1).lookup(
            KNOWN_ID, actor=citizen, purpose="apply_prefill"
        )
    rows = list(
        AuditEvent.objects.filter(action="registry.request")
        .order_by("id")
        .values_list("actor_id", "object_type", "object_id", "data")
    )

    def row(actor, number, purpose, outcome):
        data = {
            "id_tail": number[-3:],
            "service": "population_registry",
            "purpose": purpose,
            "outcome": outcome,
        }
        return (actor, "personal_id", personal_id_fingerprint(number), data)

    assert rows == [
        row(citizen.pk, KNOWN_ID, "apply_prefill", "found"),
        row(None, UNKNOWN_ID, "sign_up", "not_found"),
        row(citizen.pk, KNOWN_ID, "apply_prefill", "unavailable"),
    ]
    logged = "\n".join(f"{r.getMessage()} {r.__dict__}" for r in caplog.records)
    assert "registry" in logged  # the connector did log its outcomes
    for secret in (KNOWN_ID, UNKNOWN_ID, "Nguyễn Văn An", "Phan Đình Phùng"):
        assert secret not in logged
        assert secret not in str(rows)


def test_the_setting_chooses_the_http_connector(settings, population_url):
    settings.MOTCUA_REGISTRY_BACKEND = "motcua.integration.registry_http.HttpRegistry"
    settings.MOTCUA_REGISTRY_URL = population_url
    settings.MOTCUA_REGISTRY_TOKEN = expected_token()
    assert population_registry().lookup(KNOWN_ID).full_name == "Nguyễn Văn An"


def test_without_a_url_the_registry_is_unavailable(settings):
    settings.MOTCUA_REGISTRY_BACKEND = "motcua.integration.registry_http.HttpRegistry"
    settings.MOTCUA_REGISTRY_URL = ""
    with pytest.raises(RegistryUnavailable):
        population_registry().lookup(KNOWN_ID)


def test_the_spouse_lookup_for_a_birth_registration_is_audited(settings, population_url, citizen):
    from motcua.portal.eforms import registry_spouse

    settings.MOTCUA_REGISTRY_BACKEND = "motcua.integration.registry_http.HttpRegistry"
    settings.MOTCUA_REGISTRY_URL = population_url
    settings.MOTCUA_REGISTRY_TOKEN = expected_token()
    an = population_registry().lookup(KNOWN_ID, actor=citizen, purpose="apply_prefill")
    spouse = registry_spouse(citizen, an)
    assert spouse is not None and spouse.full_name == "Trần Thị Bình"
    rows = list(
        AuditEvent.objects.filter(action="registry.request")
        .order_by("id")
        .values_list("actor_id", "object_id", "data__purpose", "data__outcome")
    )
    assert rows == [
        (citizen.pk, personal_id_fingerprint(KNOWN_ID), "apply_prefill", "found"),
        (citizen.pk, personal_id_fingerprint("046192005678"), "apply_prefill_spouse", "found"),
    ]
