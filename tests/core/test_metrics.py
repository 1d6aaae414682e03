"""GET /metrics: request latency by route name, outbox and national-sync lag, worker queue and
counter drift in Prometheus' text format; only from this machine or with the token."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.core.management import call_command
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY
from prometheus_client.parser import text_string_to_metric_families

from motcua.counters.models import DailyCounter
from motcua.dossiers.models import State
from tests.core.test_health import outbox, ready_task


def samples(response) -> dict[tuple[str, tuple[tuple[str, str], ...]], float]:
    text = response.content.decode()
    return {
        (sample.name, tuple(sorted(sample.labels.items()))): sample.value
        for family in text_string_to_metric_families(text)
        for sample in family.samples
    }


def latency_count(route: str) -> float:
    value = REGISTRY.get_sample_value(
        "motcua_http_request_duration_seconds_count", {"route": route, "method": "GET"}
    )
    return value or 0.0


@pytest.mark.django_db
def test_request_latency_is_counted_by_route_name_not_path(client, procedure):
    before = latency_count("portal:procedure")

    client.get(f"/thu-tuc/{procedure.code}/")
    client.get(f"/thu-tuc/{procedure.code}/?q=001090000001")
    found = samples(client.get("/metrics"))

    assert latency_count("portal:procedure") == before + 2
    key = (
        "motcua_http_request_duration_seconds_count",
        (("method", "GET"), ("route", "portal:procedure")),
    )
    assert found[key] == before + 2
    assert not any(procedure.code in value for _, labels in found for _, value in labels)
    assert not any("001090000001" in value for _, labels in found for _, value in labels)


@pytest.mark.django_db
def test_outbox_sync_lag_and_worker_queue_are_read_from_the_database(client):
    outbox("national.sync", "pending", timedelta(hours=1))
    outbox("national.sync", "failed", timedelta(minutes=2))
    outbox("dossier.notify", "pending", timedelta(minutes=3))
    outbox("dossier.notify", "dead", timedelta(days=2))
    outbox("dossier.notify", "sent", timedelta(days=2))
    ready_task(timedelta(minutes=4))

    found = samples(client.get("/metrics"))

    assert found[("motcua_database_up", ())] == 1.0
    assert found[("motcua_outbox_undelivered", (("topic", "national.sync"),))] == 2.0
    assert found[("motcua_outbox_undelivered", (("topic", "dossier.notify"),))] == 1.0
    assert found[("motcua_outbox_dead", (("topic", "dossier.notify"),))] == 1.0
    assert found[("motcua_outbox_dead", (("topic", "national.sync"),))] == 0.0
    assert 3600 <= found[("motcua_national_sync_lag_seconds", ())] < 3660
    assert 180 <= found[("motcua_outbox_oldest_age_seconds", (("topic", "dossier.notify"),))] < 240
    assert found[("motcua_worker_queue_depth", ())] == 1.0
    assert 240 <= found[("motcua_worker_oldest_ready_age_seconds", ())] < 300


@pytest.mark.django_db
def test_no_sync_backlog_is_zero_lag(client):
    found = samples(client.get("/metrics"))

    assert found[("motcua_national_sync_lag_seconds", ())] == 0.0
    assert found[("motcua_worker_queue_depth", ())] == 0.0
    assert ("motcua_index_counter_drift_rows", ()) not in found


@pytest.mark.django_db
def test_counter_drift_comes_from_the_last_counters_check(client, walker, capsys):
    walker.dossier_in(State.RETURNED)
    walker.dossier_in(State.RECEIVED)
    call_command("counters_check")
    assert capsys.readouterr().out.startswith("Khớp: ")
    assert samples(client.get("/metrics"))[("motcua_index_counter_drift_rows", ())] == 0.0

    counter = DailyCounter.objects.filter(metric="received").first()
    DailyCounter.objects.filter(pk=counter.pk).update(value=counter.value + 3)
    DailyCounter.objects.create(
        agency_id=counter.agency_id, day=counter.day, metric="rated", value=1
    )
    with pytest.raises(SystemExit) as stopped:
        call_command("counters_check")

    assert stopped.value.code == 1
    err = capsys.readouterr().err
    assert "Sai lệch 2/" in err and "tổng chênh 4" in err
    found = samples(client.get("/metrics"))
    assert found[("motcua_index_counter_drift_rows", ())] == 2.0
    assert found[("motcua_index_counter_drift_checked_timestamp_seconds", ())] > 0


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("remote", "headers", "allowed"),
    [
        ("127.0.0.1", {}, True),
        ("::1", {}, True),
        ("203.0.113.7", {}, False),
        ("10.0.0.5", {}, False),
        # Through our own proxy every request comes from 127.0.0.1.
        ("127.0.0.1", {"X-Forwarded-For": "203.0.113.7"}, False),
    ],
)
def test_without_a_token_only_this_machine_may_read(client, settings, remote, headers, allowed):
    settings.MOTCUA_METRICS_TOKEN = ""

    response = client.get("/metrics", headers=headers, REMOTE_ADDR=remote)

    assert response.status_code == (200 if allowed else 403)
    if not allowed:
        assert response.content.decode() == "Không được phép xem số liệu giám sát.\n"


@pytest.mark.django_db
@pytest.mark.parametrize(
    ("authorization", "allowed"),
    [
        ("Bearer s3cret-scrape-token", True),
        ("Bearer wrong", False),
        ("s3cret-scrape-token", False),
        ("", False),
    ],
)
def test_with_a_token_others_need_it(client, settings, authorization, allowed):
    settings.MOTCUA_METRICS_TOKEN = "s3cret-scrape-token"
    headers = {"Authorization": authorization} if authorization else {}

    response = client.get(
        "/metrics",
        headers={**headers, "X-Forwarded-For": "203.0.113.7"},
        REMOTE_ADDR="127.0.0.1",
    )

    assert response.status_code == (200 if allowed else 403)
    if allowed:
        assert response["Content-Type"] == CONTENT_TYPE_LATEST
