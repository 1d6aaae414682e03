"""The officer, counter and citizen pages read the dossier table through its indexes: each
page is rendered over 20,000 dossiers (most of them returned long ago, as in a real
province), every query it makes on the dossier table is captured and EXPLAINed, and no plan
may scan the whole table.

PostgreSQL is the production database and the one that matters (`bash
scripts/with-postgres.sh .venv/bin/pytest -q -p no:cacheprovider tests/office/test_query_plans.py`).
On SQLite the same pages are checked with EXPLAIN QUERY PLAN for the queries whose FROM is
the dossier table itself (SQLite names a subquery's table by its alias, U0 or V0, which
could be any table).

The rows are written straight into the table (`insert_dossiers`, as in test_scale.py): the
pages read only dossier rows and their events, and 20,000 dossiers through the services
would take many minutes.
"""

from __future__ import annotations

import random
import re
from datetime import timedelta

import pytest
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from motcua.directory.models import Role
from motcua.dossiers.models import Dossier, DossierEvent, State
from tests.factories import AgencyFactory, ProcedureFactory, staff
from tests.office.test_scale import STEPS, insert_dossiers

N = 20_000
AGENCIES = 20
PG_SEQ_SCAN = re.compile(r"Seq Scan on dossiers_dossier(?:\s|$)")
SQLITE_FULL_SCAN = re.compile(r"\bSCAN dossiers_dossier(?! USING)")


@pytest.fixture
def province(agency, specialist, approver, reception, citizen):
    """N dossiers over AGENCIES agencies; the fixture agency holds 1/AGENCIES of them, a
    sixth of those open; the citizen owns every 200th dossier."""
    rng = random.Random(13)
    agencies = [agency] + [
        AgencyFactory(code=f"000.00.{40 + i}.H99", name=f"Sở thử nghiệm {i}")
        for i in range(AGENCIES - 1)
    ]
    procedures = {a.pk: ProcedureFactory(agencies=[a], workflow=STEPS) for a in agencies}
    steps = {a.pk: list(procedures[a.pk].steps.order_by("position")) for a in agencies}
    officers = [specialist.pk, staff(Role.SPECIALIST, agency, username="chuyen_vien_khac").pk]
    now = timezone.now()
    rows = []
    for i in range(N):
        a = agencies[i % AGENCIES]
        received = now - timedelta(minutes=rng.randrange(0, 60 * 24 * 700))
        row = {
            "reference": f"TN-P-{i:07d}",
            "code": f"{a.code}-{received:%y%m%d}-{i:06d}",
            "procedure_id": procedures[a.pk].pk,
            "agency_id": a.pk,
            "applicant_id": citizen.pk if i % 200 == 0 else None,
            "created_at": received,
            "received_at": received,
            "due_at": received + timedelta(days=rng.randrange(1, 30)),
            "state": State.RETURNED,
            "finished_at": received,
            "closed_at": received,
            "returned_at": received,
        }
        roll = rng.random()
        if roll < 0.12:
            row |= {
                "state": State.IN_PROGRESS,
                "finished_at": None,
                "closed_at": None,
                "returned_at": None,
                "current_step_id": steps[a.pk][rng.randrange(3)].pk,
                "step_started_at": received,
                "step_due_at": received + timedelta(hours=rng.randrange(4, 200)),
                "assignee_id": rng.choice([None, *officers]) if a == agency else None,
            }
        elif roll < 0.14:
            row |= {"state": State.SUBMITTED, "received_at": None, "code": None}
            row |= {"finished_at": None, "closed_at": None, "returned_at": None}
            row |= {"submitted_at": received, "due_at": None}
        elif roll < 0.16:
            row |= {"state": State.RESULT_READY, "closed_at": None, "returned_at": None}
        rows.append(row)
    insert_dossiers(rows)
    # One receive event per received dossier of the agency, by its counter officer.
    received = Dossier.objects.filter(agency=agency, received_at__isnull=False)
    DossierEvent.objects.bulk_create(
        [
            DossierEvent(
                dossier_id=pk, seq=1, at=at, actor=reception, action="receive", to_state="received"
            )
            for pk, at in received.values_list("pk", "received_at")
        ],
        batch_size=2000,
    )
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")
    return agency


def plans(client: Client, url: str) -> list[tuple[str, str]]:
    """(SQL, plan) of each query the page makes on the dossier table."""
    with CaptureQueriesContext(connection) as context:
        response = client.get(url)
    assert response.status_code == 200, (url, response.status_code)
    found = []
    for query in context.captured_queries:
        sql = query["sql"]
        if "dossiers_dossier" not in sql or not sql.lstrip().upper().startswith("SELECT"):
            continue
        explain = "EXPLAIN " if connection.vendor == "postgresql" else "EXPLAIN QUERY PLAN "
        with connection.cursor() as cursor:
            cursor.execute(explain + sql)
            plan = "\n".join(" ".join(str(c) for c in row) for row in cursor.fetchall())
        found.append((sql, plan))
    return found


def signed_in(user) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_officer_counter_and_citizen_pages_read_the_dossier_table_through_indexes(
    province, specialist, approver, reception, citizen
):
    code = province.code
    pages = [
        (specialist, "/mot-cua/xu-ly/"),
        (specialist, "/mot-cua/xu-ly/?status=overdue"),
        (specialist, "/mot-cua/xu-ly/?page=2"),
        (approver, "/mot-cua/xu-ly/?status=due_soon"),
        (reception, "/mot-cua/"),
        (reception, f"/mot-cua/hom-nay/?agency={code}"),
        (reception, f"/mot-cua/hom-nay/?agency={code}&section=overdue"),
        (reception, f"/mot-cua/hom-nay/?agency={code}&section=received"),
        (citizen, "/ho-so-cua-toi/"),
    ]
    checked = 0
    for user, url in pages:
        found = plans(signed_in(user), url)
        assert found, url  # every one of these pages reads dossiers
        for sql, plan in found:
            if connection.vendor == "postgresql":
                assert not PG_SEQ_SCAN.search(plan), f"{url}\n{sql}\n{plan}"
            else:
                assert not SQLITE_FULL_SCAN.search(plan), f"{url}\n{sql}\n{plan}"
            checked += 1
    assert checked >= 20


def test_the_queue_is_a_union_of_index_backed_parts_on_postgresql(province, specialist):
    """The queue's ids are read by three index scans (agency and state; current step;
    transfer agency), whatever the planner thinks of the filters on top."""
    if connection.vendor != "postgresql":
        pytest.skip("the plan's node names are PostgreSQL's; SQLite is checked above")
    found = plans(signed_in(specialist), "/mot-cua/xu-ly/")
    union = [plan for sql, plan in found if "UNION ALL" in sql]
    assert len(union) == 2  # the status counts and the page's ids
    for plan in union:
        assert "dossier_agency_state_due" in plan, plan
        assert "dossier_current_step_set" in plan, plan
        assert "dossier_transfer_agency_set" in plan, plan
