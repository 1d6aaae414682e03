"""The read replica: the leaders' pages and the index API read from it, writes and the reads
after a write go to the primary, and nothing else touches it. The replica here is a second
connection to the test database (TEST MIRROR), so the queries each connection ran tell where
a read went."""

from __future__ import annotations

import pytest
from django.db import connections, transaction
from django.test.utils import CaptureQueriesContext

from motcua.core.models import AuditEvent
from motcua.core.routers import use_replica
from motcua.counters.models import DailyCounter
from motcua.directory.models import Role
from tests.factories import AgencyFactory, staff

BOTH = ["default", "replica"]


def tables(context: CaptureQueriesContext) -> str:
    return " ".join(query["sql"] for query in context.captured_queries)


def statements(context: CaptureQueriesContext, table: str) -> list[str]:
    return [q["sql"].split()[0] for q in context.captured_queries if table in q["sql"]]


@pytest.fixture
def leader(db):
    city = AgencyFactory(code="000.00.00.H99", name="UBND thành phố thử nghiệm")
    AgencyFactory(code="000.00.11.H99", name="Sở Tư pháp thử nghiệm", parent=city)
    return staff(Role.LEADER, city, username="lanhdao_replica")


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_the_dashboard_reads_from_the_replica(client, replica_on, leader):
    client.force_login(leader)

    with (
        CaptureQueriesContext(connections["replica"]) as replica,
        CaptureQueriesContext(connections["default"]) as primary,
    ):
        response = client.get("/chi-so/")

    assert response.status_code == 200
    assert "index_dailycounter" in tables(replica)
    assert "index_dailycounter" not in tables(primary)
    # Sessions stay on the primary: a replica behind would sign out whoever just signed in.
    assert "django_session" in tables(primary)
    assert "django_session" not in tables(replica)


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_the_index_api_reads_from_the_replica(client, replica_on, leader):
    with (
        CaptureQueriesContext(connections["replica"]) as replica,
        CaptureQueriesContext(connections["default"]) as primary,
    ):
        response = client.get("/api/v1/index?agency=000.00.00.H99&from=2026-01-01&to=2026-01-31")

    assert response.status_code == 200
    # A whole month is read from the monthly roll-up.
    assert "counters_monthlycounter" in tables(replica)
    assert "counters_monthlycounter" not in tables(primary)


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_other_pages_and_writes_stay_on_the_primary(client, replica_on, leader, procedure):
    with CaptureQueriesContext(connections["replica"]) as replica:
        assert client.get("/").status_code == 200
        assert client.get("/api/v1/procedures?q=ly+lich").status_code == 200
        client.post("/dang-nhap/", {"username": "lanhdao_replica", "password": "sai"})

    assert replica.captured_queries == []


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_a_read_after_a_write_goes_to_the_primary(replica_on):
    with (
        CaptureQueriesContext(connections["replica"]) as replica,
        CaptureQueriesContext(connections["default"]) as primary,
        use_replica(),
    ):
        before = AuditEvent.objects.count()
        AuditEvent.objects.create(action="replica.test", object_type="test")
        after = AuditEvent.objects.count()

    assert (before, after) == (0, 1)
    assert statements(replica, "core_auditevent") == ["SELECT"]  # the read before the write
    assert statements(primary, "core_auditevent") == ["INSERT", "SELECT"]


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_reads_inside_a_transaction_go_to_the_primary(replica_on):
    with CaptureQueriesContext(connections["replica"]) as replica, use_replica():
        with transaction.atomic():
            DailyCounter.objects.count()
        DailyCounter.objects.count()

    assert tables(replica).count("index_dailycounter") == 1


@pytest.mark.django_db(transaction=True, databases=BOTH)
def test_without_a_replica_everything_is_primary(client, settings, leader):
    settings.MOTCUA_READ_REPLICA = False
    client.force_login(leader)

    with CaptureQueriesContext(connections["replica"]) as replica:
        assert client.get("/chi-so/").status_code == 200

    assert replica.captured_queries == []
