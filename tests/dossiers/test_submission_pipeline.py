"""A new submission's rows sent together (`core.rows.rows_pipelined`, `rows_keys_reserve`,
`rows_read`): on PostgreSQL the keys of the dossier and its events are drawn first and every
INSERT goes out in one pipeline, answered at its end. The rows are the same, the rows that
name the dossier and its events name the right ones, and a failure of any statement or of
any write still rolls the whole submission back and surfaces as it did (on SQLite, where
nothing is pipelined, the same tests hold)."""

# The `judicial` fixture is imported from test_submission_cost, so pytest sees it; ruff reads
# that as redefinition.
# ruff: noqa: F811

from __future__ import annotations

from contextlib import nullcontext

import pytest
from django.db import IntegrityError, connection, transaction
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from motcua.catalog.models import FeeLine, RequiredDocument
from motcua.core.audit import audit_record
from motcua.core.models import AuditEvent, OutboxMessage
from motcua.core.rows import (
    linked,
    rows_insert,
    rows_keys_reserve,
    rows_linked,
    rows_pipelined,
    rows_read,
    rows_where,
    where,
)
from motcua.dossiers.models import Dossier, DossierEvent, State
from motcua.portal.models import StartToken
from motcua.portal.views_apply import start_token_claim
from tests.dossiers.test_submission_cost import _apply, judicial  # noqa: F401
from tests.factories import AgencyFactory, FeeLineFactory, RequiredDocumentFactory

pytestmark = pytest.mark.django_db

POSTGRESQL = connection.vendor == "postgresql"


def _written() -> dict[str, int]:
    return {
        "dossiers": Dossier.objects.count(),
        "events": DossierEvent.objects.count(),
        "audit": AuditEvent.objects.count(),
        "outbox": OutboxMessage.objects.count(),
        "tokens": StartToken.objects.count(),
    }


def _apply_claiming(citizen, procedure, agency, token):
    def claim(dossier):
        return start_token_claim(token=token, user=citizen, dossier=dossier)

    return _apply(citizen, procedure, agency, created=claim)


def test_the_rows_of_a_submission_name_the_dossier_and_its_events_by_their_keys(
    citizen, agency, judicial
):
    # When a citizen submits a new application in one click, its start token claimed.
    with CaptureQueriesContext(connection) as captured:
        dossier = _apply_claiming(citizen, judicial, agency, "the-token")

    # Then the dossier, its three events in seq order, the token, the audit row and the
    # outbox message are stored, each naming the dossier, the message the submit event.
    stored = Dossier.objects.get()
    assert (stored.pk, stored.state, stored.version) == (dossier.pk, State.SUBMITTED, 2)
    events = list(DossierEvent.objects.filter(dossier=stored).order_by("seq"))
    assert [(e.seq, e.action) for e in events] == [(1, "create"), (2, "form_save"), (3, "submit")]
    # The keys rise with the chain, as the database would have given them one by one.
    assert [e.pk for e in events] == sorted(e.pk for e in events)
    assert list(StartToken.objects.values_list("token", "dossier_id")) == [
        ("the-token", dossier.pk)
    ]
    assert list(AuditEvent.objects.values_list("object_id", flat=True)) == [str(dossier.pk)]
    assert [m.payload for m in OutboxMessage.objects.all()] == [
        {"dossier_id": dossier.pk, "event_id": events[2].pk, "state": State.SUBMITTED}
    ]
    # And on PostgreSQL the keys were drawn before the first INSERT, in one statement.
    sql = [q["sql"] for q in captured.captured_queries]
    first_insert = next(i for i, s in enumerate(sql) if s.startswith("INSERT"))
    drawn = [s for s in sql[:first_insert] if "nextval" in s]
    assert len(drawn) == (1 if POSTGRESQL else 0)
    assert sum(s.startswith("INSERT") for s in sql) == 5


def test_a_token_already_claimed_rolls_the_whole_submission_back(citizen, agency, judicial):
    # Given a start token another submission has claimed.
    earlier = _apply(citizen, judicial, agency)
    StartToken.objects.create(
        token="twice", user=citizen, created_at=timezone.now(), dossier=earlier
    )
    before = _written()

    # When a second submission claims the same token (its INSERT fails on the unique index,
    # on PostgreSQL only when the pipeline's answers are read).
    with pytest.raises(IntegrityError):
        _apply_claiming(citizen, judicial, agency, "twice")

    # Then Django's IntegrityError reached the caller (the apply page sends the citizen to
    # the earlier dossier on it) and nothing of the second submission was written.
    assert _written() == before
    assert list(StartToken.objects.values_list("dossier_id", flat=True)) == [earlier.pk]


def test_an_error_in_a_write_that_waited_rolls_the_whole_submission_back(citizen, agency, judicial):
    # Given a write that waits for the dossier's id and then fails.
    before = _written()

    def failing(dossier):
        raise RuntimeError("the page's claim failed")

    # When the submission is written.
    with pytest.raises(RuntimeError, match="the page's claim failed"):
        _apply(citizen, judicial, agency, created=failing)

    # Then the rows already sent are rolled back with the rest.
    assert _written() == before


def test_keys_made_by_the_database_are_set_when_the_pipeline_ends(citizen):
    # Given two audit rows written inside a pipelined block.
    with transaction.atomic(), rows_pipelined():
        first = audit_record(actor=citizen, action="test.one", object_type="user")
        second = audit_record(actor=citizen, action="test.two", object_type="user")
        # Then inside it, on PostgreSQL, their keys are not known yet (SQLite writes at once).
        assert (first.pk is None) is POSTGRESQL
        assert first._state.adding is POSTGRESQL

    # And after it each instance holds the key of its own row.
    stored = dict(AuditEvent.objects.values_list("pk", "action"))
    assert {first.pk: "test.one", second.pk: "test.two"} == stored
    assert (first._state.adding, second._state.db) == (False, "default")


def test_reserved_keys_are_the_keys_the_rows_are_stored_with(citizen, procedure, agency):
    # Given two new audit rows whose keys are reserved.
    rows = [
        AuditEvent(at=timezone.now(), actor=citizen, action=f"test.{n}", object_type="x")
        for n in range(2)
    ]
    with transaction.atomic(), rows_pipelined():
        rows_keys_reserve(rows)
        reserved = [r.pk for r in rows]
        rows_insert(rows)

    # Then on PostgreSQL they were known before the insert and rise in order; on SQLite the
    # insert made them. Either way they are the stored rows' keys.
    assert (reserved[0] is not None) is POSTGRESQL
    assert [r.pk for r in rows] == sorted(r.pk for r in rows)
    if POSTGRESQL:
        assert reserved == [r.pk for r in rows]
    assert list(AuditEvent.objects.order_by("pk").values_list("pk", "action")) == [
        (rows[0].pk, "test.0"),
        (rows[1].pk, "test.1"),
    ]
    # And an instance that has a key it was not given by the reservation is refused.
    with pytest.raises(ValueError):
        rows_insert([AuditEvent(pk=rows[0].pk + 100, at=timezone.now(), action="test.x")])
    with pytest.raises(ValueError) if POSTGRESQL else nullcontext():
        rows_keys_reserve([rows[0]])


def test_reads_sent_together_equal_the_reads_one_by_one(procedure, agency):
    # Given a procedure with fee lines, documents and two agencies.
    FeeLineFactory(procedure=procedure, amount=50_000)
    FeeLineFactory(procedure=procedure, amount=0)
    RequiredDocumentFactory(procedure=procedure, position=2, name="Hai")
    RequiredDocumentFactory(procedure=procedure, position=1, name="Một")
    procedure.agencies.add(AgencyFactory(code="000.00.33.H46", name="Công an"))

    # When they are read together.
    with CaptureQueriesContext(connection) as captured:
        fees, documents, agencies = rows_read(
            where(FeeLine, "procedure", procedure.pk, order=("id",)),
            where(RequiredDocument, "procedure", procedure.pk, order=("position", "id")),
            linked(procedure, "agencies", order=("name",)),
        )

    # Then each list is what its read alone gives, in its order, three statements in all.
    def fields(rows):
        return [r.__dict__ | {"_state": None} for r in rows]

    assert fields(fees) == fields(rows_where(FeeLine, "procedure", procedure.pk, order=("id",)))
    assert [d.name for d in documents] == ["Một", "Hai"]
    assert fields(agencies) == fields(rows_linked(procedure, "agencies", order=("name",)))
    assert [a.name for a in agencies] == ["Công an", agency.name]
    assert len(captured.captured_queries) == 3


def test_an_insert_outside_a_pipeline_is_logged_and_fails_as_django_raises_it(citizen):
    # Given a start token already stored.
    taken = StartToken.objects.create(token="taken", user=citizen, created_at=timezone.now())

    # When a row is inserted, and then one that breaks the unique index.
    row = AuditEvent(at=timezone.now(), actor=citizen, action="test.one", object_type="user")
    with CaptureQueriesContext(connection) as captured:
        rows_insert([row])
    with pytest.raises(IntegrityError), transaction.atomic():
        rows_insert([StartToken(token="taken", user=citizen, created_at=timezone.now())])

    # Then the first has its key at once and its statement, values in it, is in the log as
    # Django's cursor logs it; the second raised Django's IntegrityError and wrote nothing.
    assert AuditEvent.objects.get(pk=row.pk).action == "test.one"
    assert len(captured.captured_queries) == 1
    assert captured.captured_queries[0]["sql"].startswith('INSERT INTO "core_auditevent"')
    assert "'test.one'" in captured.captured_queries[0]["sql"]
    assert list(StartToken.objects.values_list("pk", flat=True)) == [taken.pk]
