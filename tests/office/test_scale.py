"""The queue and the agency's day at 100,000 dossiers: a fixed number of queries, whatever the
data size.

Test-data shortcut: the dossiers are written straight into the table (a COPY on PostgreSQL,
batched INSERTs on SQLite; no events, no index counters, no outbox), which the lifecycle would
never do; `bulk_create` took over a minute here for 100,000 rows, raw writes a fraction of
it. These pages read only the dossier rows, so the shortcut changes nothing they show; it keeps
the seeding to seconds instead of hours.
"""

from __future__ import annotations

import random
import re
import time
from datetime import timedelta

import pytest
from django.db import connection
from django.db.models import DateTimeField
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from motcua.directory.models import Role
from motcua.dossiers.models import Channel, Dossier, State
from tests.factories import AgencyFactory, ProcedureFactory, staff

N = 100_000
MAX_QUERIES = 12
# The pages bench/office_pages.py measures, counted the same way (the session and the
# signed-in user included) and stated in docs/performance.md: a queue page with rows reads
# its status counts, the page's ids and the page's rows; the agency's day, three summaries
# and what the officer received; its list section, also the list's count and rows.
EXACT = {
    ("/mot-cua/xu-ly/", ()): 11,
    ("/mot-cua/xu-ly/", ("q", "status")): 11,
    ("/mot-cua/hom-nay/", ("agency",)): 10,
    ("/mot-cua/hom-nay/", ("agency", "section")): 12,
}
STEPS = [("Thẩm định", Role.SPECIALIST, 50), ("Trình ký", Role.SPECIALIST, 20)]
STEPS += [("Phê duyệt", Role.APPROVER, 30)]


def insert_dossiers(rows: list[dict]) -> None:
    """A COPY on PostgreSQL, one INSERT … executemany per 5,000 rows on SQLite. Every column
    gets a value: the ones a row names, the model's defaults (prepared once) for the others."""
    fields = [f for f in Dossier._meta.concrete_fields if not f.primary_key]
    template = Dossier(channel=Channel.DIRECT, applicant_name="Nguyễn Văn Thử")
    template.updated_at = timezone.now()
    constant = {
        f.attname: f.get_db_prep_save(getattr(template, f.attname), connection) for f in fields
    }
    moments = {f.attname for f in fields if isinstance(f, DateTimeField)}
    adapt = connection.ops.adapt_datetimefield_value
    columns = ", ".join(connection.ops.quote_name(f.column) for f in fields)
    names = [f.attname for f in fields]

    def values(row: dict) -> list:
        return [
            (adapt(row[n]) if n in moments else row[n]) if n in row else constant[n] for n in names
        ]

    with connection.cursor() as cursor:
        if connection.vendor == "postgresql":
            # A COPY seeds the 100,000 rows in a quarter of the executemany's time.
            with cursor.copy(f"COPY {Dossier._meta.db_table} ({columns}) FROM STDIN") as copy:
                for row in rows:
                    copy.write_row(values(row))
            return
        marks = ", ".join(["%s"] * len(fields))
        sql = f"INSERT INTO {Dossier._meta.db_table} ({columns}) VALUES ({marks})"
        for start in range(0, len(rows), 5000):
            cursor.executemany(sql, [values(row) for row in rows[start : start + 5000]])


@pytest.fixture
def seeded(agency, specialist, approver, reception):
    rng = random.Random(766)
    agencies = [agency] + [
        AgencyFactory(code=f"000.00.{20 + i}.H99", name=f"Sở thử nghiệm {i}") for i in range(9)
    ]
    procedures = {a.pk: ProcedureFactory(agencies=[a], workflow=STEPS) for a in agencies}
    steps = {a.pk: list(procedures[a.pk].steps.order_by("position")) for a in agencies}
    officers = [specialist.pk] + [
        staff(Role.SPECIALIST, agency, username=f"chuyen_vien_{i}").pk for i in range(4)
    ]
    now = timezone.now()
    today_start = timezone.localtime(now).replace(hour=0, minute=0, second=0, microsecond=0)
    started = time.perf_counter()
    rows = []
    for i in range(N):
        a = agencies[i % len(agencies)]
        received = now - timedelta(minutes=rng.randrange(0, 60 * 24 * 40))
        if i % 20 == 0:
            # The agency's day lists today's receptions: keep some whatever the hour of the
            # run (just after midnight, "today" is minutes long).
            received = today_start + (now - today_start) * rng.random()
        roll = rng.random()
        row = {
            "reference": f"TN-S-{i:07d}",
            "code": f"{a.code}-{received:%y%m%d}-{i:06d}",
            "procedure_id": procedures[a.pk].pk,
            "agency_id": a.pk,
            "created_at": received,
            "received_at": received,
            "due_at": received + timedelta(days=rng.randrange(1, 30)),
            "state": State.IN_PROGRESS,
            "current_step_id": steps[a.pk][rng.randrange(3)].pk,
            "step_started_at": received,
            "step_due_at": received + timedelta(hours=rng.randrange(4, 200)),
            "assignee_id": rng.choice([None, None, *officers]) if a == agency else None,
        }
        if roll < 0.1:
            row |= {"state": State.SUSPENDED, "paused_at": received + timedelta(hours=2)}
        elif roll < 0.15:
            row |= {"state": State.TRANSFERRED, "transfer_agency_id": agencies[1].pk}
        elif roll < 0.4:
            row |= {"state": State.RETURNED, "current_step_id": None, "step_due_at": None}
            row |= {"finished_at": received, "closed_at": received, "returned_at": received}
        rows.append(row)
    insert_dossiers(rows)
    if connection.vendor == "postgresql":
        # A bulk load leaves the planner without statistics until autovacuum runs; a server
        # has them. Without them PostgreSQL may pick a nested loop over the queue's union.
        with connection.cursor() as cursor:
            cursor.execute("ANALYZE")
    assert Dossier.objects.count() == N
    print(f"seeded {N} dossiers in {time.perf_counter() - started:.1f} s")
    return agency


def client_for(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_queue_and_agency_day_stay_within_a_fixed_number_of_queries(
    seeded, specialist, approver, reception
):
    agency = seeded
    pages = [
        (specialist, "/mot-cua/xu-ly/", {}),
        (specialist, "/mot-cua/xu-ly/", {"page": "7"}),
        (specialist, "/mot-cua/xu-ly/", {"status": "overdue", "q": "thu tuc"}),
        (approver, "/mot-cua/xu-ly/", {"status": "due_soon", "agency": agency.code}),
        (reception, "/mot-cua/hom-nay/", {"agency": agency.code}),
        (reception, "/mot-cua/hom-nay/", {"agency": agency.code, "section": "overdue"}),
        (reception, "/mot-cua/hom-nay/", {"section": "received", "officer": "none", "page": "2"}),
    ]
    for user, url, params in pages:
        client = client_for(user)
        started = time.perf_counter()
        with CaptureQueriesContext(connection) as context:
            response = client.get(url, params)
        expected = EXACT.get((url, tuple(sorted(params))))
        if expected is not None:
            assert len(context.captured_queries) == expected, (url, params)
        assert len(context.captured_queries) <= MAX_QUERIES, (url, params)
        print(f"{url} {params}: {time.perf_counter() - started:.2f} s")
        assert response.status_code == 200, (url, params)
        html = response.content.decode()
        rows = re.findall(r'<tr data-code="', html)
        if url.endswith("hom-nay/") and "section" not in params:
            totals = dict(re.findall(r'data-testid="total-(\w+)">(\d+)<', html))
            assert list(totals) == ["received", "due_today", "overdue"]
            assert int(totals["overdue"]) > 0
        else:
            assert 1 <= len(rows) <= 50, (url, params, len(rows))
    # The first queue page is full and sorted by the step's due moment.
    html = client_for(specialist).get("/mot-cua/xu-ly/").content.decode()
    codes = re.findall(r'<tr data-code="([^"]+)"', html)
    assert len(codes) == 50
    dues = list(
        Dossier.objects.filter(code__in=codes)
        .order_by("step_due_at", "due_at", "id")
        .values_list("code", flat=True)
    )
    assert codes == dues
