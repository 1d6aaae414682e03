"""The outbox keeps every message, backs off on failure, dead-letters after the cap, and
survives a handler whose own database work fails (PostgreSQL aborts the transaction)."""

from __future__ import annotations

import random
from datetime import date, timedelta
from unittest.mock import patch

import pytest
from django.core.management import call_command
from django.db import IntegrityError, transaction
from django.test import override_settings
from django.utils import timezone

from motcua.core import outbox
from motcua.core.models import CalendarOverride, OutboxMessage
from motcua.core.outbox import (
    UnknownTopic,
    backoff_delay,
    outbox_deliver,
    outbox_deliver_pending,
    outbox_handler,
    outbox_resend,
    outbox_write,
)

pytestmark = pytest.mark.django_db

TOPIC = "test.topic"


@pytest.fixture
def handlers(monkeypatch):
    monkeypatch.setattr(outbox, "_HANDLERS", dict(outbox._HANDLERS))
    return outbox._HANDLERS


@pytest.fixture
def broken(handlers):
    calls: list[dict] = []

    @outbox_handler(TOPIC)
    def handler(payload: dict) -> None:
        calls.append(payload)
        raise ConnectionError("gateway down")

    return calls


def test_a_topic_without_a_handler_is_refused_when_written():
    with pytest.raises(UnknownTopic):
        outbox_write(topic="nobody.listens", payload={})
    assert OutboxMessage.objects.count() == 0


def test_backoff_doubles_from_thirty_seconds_up_to_six_hours_with_jitter():
    rng = random.Random(7)
    for attempts, base in [(1, 30), (2, 60), (3, 120), (4, 240), (20, 6 * 3600)]:
        delay = backoff_delay(attempts, rng=rng).total_seconds()
        assert base * 0.5 <= delay <= base * 1.5


def test_a_failed_message_waits_for_its_next_attempt(broken):
    message = outbox_write(topic=TOPIC, payload={"n": 1})
    before = timezone.now()
    assert outbox_deliver.call(message.pk) == "failed"
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxMessage.Status.FAILED, 1)
    assert message.last_error == "ConnectionError: gateway down"
    wait = (message.next_attempt_at - before).total_seconds()
    assert 15 <= wait <= 46

    # Not due yet: a sweep leaves it alone, the handler is not called again.
    assert outbox_deliver_pending() == {}
    assert outbox_deliver.call(message.pk) == "not_due"
    assert len(broken) == 1

    OutboxMessage.objects.filter(pk=message.pk).update(
        next_attempt_at=timezone.now() - timedelta(seconds=1)
    )
    assert outbox_deliver_pending() == {"failed": 1}
    message.refresh_from_db()
    assert message.attempts == 2
    assert len(broken) == 2


@override_settings(OUTBOX_MAX_ATTEMPTS=3)
def test_after_the_attempt_cap_the_message_is_dead_until_resent(
    broken, handlers, django_capture_on_commit_callbacks
):
    message = outbox_write(topic=TOPIC, payload={"n": 2})
    for _ in range(3):
        OutboxMessage.objects.filter(pk=message.pk).update(next_attempt_at=None)
        outbox_deliver.call(message.pk)
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxMessage.Status.DEAD, 3)
    assert message.next_attempt_at is None
    assert outbox_deliver_pending() == {}

    delivered: list[dict] = []
    handlers[TOPIC] = delivered.append
    with django_capture_on_commit_callbacks(execute=True):
        call_command("outbox_resend", "--dead")
    message.refresh_from_db()
    assert (message.status, message.attempts, delivered) == (
        OutboxMessage.Status.SENT,
        1,
        [{"n": 2}],
    )


def test_a_handler_whose_database_write_fails_is_rolled_back_alone(handlers):
    CalendarOverride.objects.create(day=date(2026, 12, 7), kind="day_off", reason="first")

    @outbox_handler(TOPIC)
    def duplicate_day(payload: dict) -> None:
        CalendarOverride.objects.create(day=date(2026, 12, 8), kind="day_off", reason="kept?")
        CalendarOverride.objects.create(day=date(2026, 12, 7), kind="day_off", reason="dup")

    message = outbox_write(topic=TOPIC, payload={})
    # On PostgreSQL, without the handler's savepoint, recording the failure would raise
    # "current transaction is aborted"; the handler's half-done write must not survive.
    assert outbox_deliver.call(message.pk) == "failed"
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.FAILED
    assert message.last_error.startswith("IntegrityError")
    assert message.next_attempt_at is not None
    assert list(CalendarOverride.objects.values_list("reason", flat=True)) == ["first"]


def test_an_unconfigured_national_sync_is_held_not_retried():
    # national.sync leaves in signed batches (motcua.sync): one delivery run holds them all.
    message = outbox_write(topic="national.sync", payload={"dossier_id": 1})
    assert outbox_deliver_pending() == {"held": 1}
    message.refresh_from_db()
    assert (message.status, message.attempts) == (OutboxMessage.Status.HELD, 0)
    assert "MOTCUA_NATIONAL_URL" in message.last_error
    assert outbox_deliver_pending() == {}
    assert outbox_resend(topic="national.sync") == 1


def test_resend_never_touches_sent_messages(handlers):
    delivered: list[dict] = []
    handlers[TOPIC] = delivered.append
    message = outbox_write(topic=TOPIC, payload={"n": 3})
    assert outbox_deliver.call(message.pk) == "sent"
    assert outbox_resend(message_id=message.pk) == 0
    assert delivered == [{"n": 3}]


def test_one_delivery_task_per_committed_transaction(
    handlers, monkeypatch, django_capture_on_commit_callbacks
):
    handlers[TOPIC] = lambda payload: None
    enqueued: list[int] = []

    class Recorder:
        def enqueue(self):
            enqueued.append(1)

    monkeypatch.setattr(outbox, "outbox_deliver_batch", Recorder())
    with pytest.raises(IntegrityError), transaction.atomic():
        outbox_write(topic=TOPIC, payload={"rolled": "back"})
        raise IntegrityError("the caller's change failed")
    assert enqueued == []

    for _ in range(2):  # two commits, three messages each
        with django_capture_on_commit_callbacks(execute=True), transaction.atomic():
            for n in range(3):
                outbox_write(topic=TOPIC, payload={"n": n})
    assert enqueued == [1, 1]


@pytest.fixture
def database_queue(settings):
    settings.TASKS = {"default": {"BACKEND": "django_tasks_db.backend.DatabaseBackend"}}


@pytest.mark.django_db(transaction=True)
def test_with_the_database_queue_the_task_commits_with_the_messages(handlers, database_queue):
    from django_tasks_db.models import DBTaskResult

    handlers[TOPIC] = lambda payload: None
    # A transaction rolled back leaves neither its messages nor a task.
    with pytest.raises(IntegrityError), transaction.atomic():
        outbox_write(topic=TOPIC, payload={"rolled": "back"})
        raise IntegrityError("the caller's change failed")
    assert DBTaskResult.objects.count() == 0

    with transaction.atomic():
        # A savepoint rolled back takes its task row with it: the next message enqueues again.
        with pytest.raises(IntegrityError), transaction.atomic():
            outbox_write(topic=TOPIC, payload={"in": "savepoint"})
            raise IntegrityError("a part failed")
        assert DBTaskResult.objects.count() == 0
        # One task per transaction, written inside it, before the commit.
        for n in range(3):
            outbox_write(topic=TOPIC, payload={"n": n})
        assert DBTaskResult.objects.count() == 1
    with transaction.atomic():
        outbox_write(topic=TOPIC, payload={"n": 4})
    assert DBTaskResult.objects.count() == 2


def _task_rows() -> list[dict]:
    from django_tasks_db.models import DBTaskResult

    return list(DBTaskResult.objects.order_by("enqueued_at").values())


def test_the_delivery_task_row_is_the_one_enqueue_writes(database_queue):
    from django_tasks.signals import task_enqueued

    # Given the delivery task enqueued by django-tasks (its ORM `create`) and by the outbox's
    # own insert, at the same moment, with the signal listened to.
    heard: list = []

    def listen(sender, task_result, **kwargs):
        heard.append((sender, task_result.task.module_path, task_result.args))

    task_enqueued.connect(listen)
    at = timezone.now()
    try:
        with patch("django.utils.timezone.now", return_value=at):
            outbox.outbox_deliver_batch.enqueue()
            outbox._task_row_insert(outbox.outbox_deliver_batch)
    finally:
        task_enqueued.disconnect(listen)

    # Then the two rows are equal but for their ids, and the signal was sent for each.
    by_orm, ours = _task_rows()
    assert by_orm["id"] != ours["id"]
    assert {**by_orm, "id": None} == {**ours, "id": None}
    assert ours["run_after"] is not None  # filled by django-tasks-db's pre_save handler
    assert heard == [heard[0]] * 2
    assert heard[0][1:] == ("motcua.core.outbox.outbox_deliver_batch", [])


@pytest.mark.django_db(transaction=True)
def test_the_database_worker_runs_the_delivery_task_the_outbox_wrote(handlers, database_queue):
    # Given a message committed with its delivery task, inserted by the outbox.
    delivered: list[dict] = []
    handlers[TOPIC] = delivered.append
    with transaction.atomic():
        message = outbox_write(topic=TOPIC, payload={"n": 1})
    [task] = _task_rows()
    assert task["status"] == "READY"

    # When django-tasks' database worker runs what is queued.
    call_command("db_worker", batch=True, startup_delay=False, verbosity=0)

    # Then it ran the task: the message is delivered and the task recorded as done.
    [task] = _task_rows()
    assert (task["status"], task["return_value"]) == ("SUCCESSFUL", {"sent": 1})
    assert delivered == [{"n": 1}]
    message.refresh_from_db()
    assert message.status == OutboxMessage.Status.SENT
