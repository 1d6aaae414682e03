"""GET /healthz (domain.md §11): 200 {"status": "ok", ...} while the database answers, 503 when
it does not; the worker's queue and the outbox's lag are reported without changing the
status code."""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.db import OperationalError, connection
from django.utils import timezone
from django_tasks_db.models import DBTaskResult

from motcua.core.models import OutboxMessage


def outbox(topic: str, status: str, age: timedelta) -> OutboxMessage:
    message = OutboxMessage.objects.create(topic=topic, payload={}, status=status)
    OutboxMessage.objects.filter(pk=message.pk).update(created_at=timezone.now() - age)
    return message


def ready_task(age: timedelta) -> DBTaskResult:
    moment = timezone.now() - age
    result = DBTaskResult.objects.create(
        args_kwargs={"args": [], "kwargs": {}},
        task_path="motcua.core.outbox.outbox_deliver_batch",
        backend_name="default",
        queue_name="default",
        run_after=moment,
    )
    DBTaskResult.objects.filter(pk=result.pk).update(enqueued_at=moment)
    return result


@pytest.mark.django_db
def test_a_quiet_system_is_ok(client):
    response = client.get("/healthz")

    assert response.status_code == 200
    assert response["Cache-Control"].startswith("max-age=0")
    assert response.json() == {
        "status": "ok",
        "degraded": False,
        "database": "ok",
        "worker": {
            "status": "ok",
            "queue_depth": 0,
            "oldest_ready_age_seconds": None,
            "last_activity_age_seconds": None,
        },
        "outbox": {
            "status": "ok",
            "undelivered": 0,
            "oldest_age_seconds": None,
            "dead": 0,
            "held": 0,
            "topics": {},
        },
    }


@pytest.mark.django_db
def test_a_backed_up_outbox_and_a_missing_worker_are_reported_but_still_200(client, settings):
    settings.MOTCUA_HEALTH_WORKER_MAX_AGE = 300
    settings.MOTCUA_HEALTH_OUTBOX_MAX_AGE = 900
    outbox("national.sync", "pending", timedelta(hours=2))
    outbox("national.sync", "failed", timedelta(minutes=5))
    outbox("national.sync", "sent", timedelta(days=3))
    outbox("dossier.notify", "dead", timedelta(days=1))
    outbox("dossier.notify", "pending", timedelta(minutes=1))
    outbox("petition.notify", "held", timedelta(days=9))
    ready_task(timedelta(minutes=10))
    ready_task(timedelta(minutes=1))

    body = client.get("/healthz").json()

    assert (body["status"], body["degraded"], body["database"]) == ("ok", True, "ok")
    assert body["worker"]["status"] == "stale"
    assert body["worker"]["queue_depth"] == 2
    assert 600 <= body["worker"]["oldest_ready_age_seconds"] < 660
    outbox_body = body["outbox"]
    assert (outbox_body["status"], outbox_body["undelivered"]) == ("lagging", 3)
    assert (outbox_body["dead"], outbox_body["held"]) == (1, 1)
    assert 7200 <= outbox_body["oldest_age_seconds"] < 7260
    topics = outbox_body["topics"]
    assert sorted(topics) == ["dossier.notify", "national.sync", "petition.notify"]
    assert (topics["national.sync"]["undelivered"], topics["national.sync"]["dead"]) == (2, 0)
    assert (topics["dossier.notify"]["undelivered"], topics["dossier.notify"]["dead"]) == (1, 1)
    assert 60 <= topics["dossier.notify"]["oldest_age_seconds"] < 120
    assert topics["petition.notify"] == {
        "undelivered": 0,
        "oldest_age_seconds": None,
        "dead": 0,
        "held": 1,
    }


@pytest.mark.django_db
def test_fresh_work_is_not_lag(client):
    outbox("dossier.notify", "pending", timedelta(seconds=30))
    ready_task(timedelta(seconds=30))

    body = client.get("/healthz").json()

    assert (body["degraded"], body["worker"]["status"], body["outbox"]["status"]) == (
        False,
        "ok",
        "ok",
    )


@pytest.mark.django_db
def test_a_database_that_does_not_answer_is_503(client, monkeypatch):
    def refuse(*args, **kwargs):
        raise OperationalError("connection refused")

    monkeypatch.setattr(connection, "cursor", refuse)

    response = client.get("/healthz")

    assert response.status_code == 503
    assert response.json() == {"status": "error", "database": "error"}


@pytest.mark.django_db
def test_only_get(client):
    assert client.post("/healthz").status_code == 405
