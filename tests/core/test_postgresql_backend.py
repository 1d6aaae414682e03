"""The PostgreSQL backend reads moments with psycopg's C loader (core/postgresql/base.py)."""

from datetime import UTC, datetime, timedelta

import pytest
from django.db import connection
from psycopg import adapters
from psycopg.pq import Format

from motcua.core.postgresql import base

pytestmark = pytest.mark.skipif(
    connection.vendor != "postgresql", reason="the loader is PostgreSQL's"
)

TIMESTAMPTZ = adapters.types["timestamptz"].oid


@pytest.mark.django_db
def test_moments_are_read_in_utc_by_the_c_loader() -> None:
    assert base.FAST
    with connection.cursor() as cursor:
        loader = cursor.cursor.adapters.get_loader(TIMESTAMPTZ, Format.TEXT)
        assert loader is base.UtcLoader
        # Another session time zone would shift the values: Django keeps it at UTC.
        cursor.execute(
            "SELECT %s::timestamptz, %s::timestamptz, current_setting('TimeZone')",
            ["2026-12-06 23:20:11.123456+07:00", "2025-01-01 00:00:00+00:00"],
        )
        first, second, zone = cursor.fetchone()
    assert zone == "UTC"
    assert first == datetime(2026, 12, 6, 16, 20, 11, 123456, tzinfo=UTC)
    assert first.tzinfo is UTC
    assert second == datetime(2025, 1, 1, tzinfo=UTC)
    assert second.tzinfo is UTC


@pytest.mark.django_db
def test_a_model_reads_back_what_it_wrote() -> None:
    from motcua.directory.models import User

    moment = datetime(2026, 3, 1, 1, 2, 3, 456789, tzinfo=UTC) + timedelta(hours=7)
    user = User.objects.create(username="moment", last_login=moment)
    assert User.objects.values_list("last_login", flat=True).get(pk=user.pk) == moment


def test_another_time_zone_keeps_djangos_loader() -> None:
    wrapper = base.DatabaseWrapper({**connection.settings_dict, "TIME_ZONE": "Asia/Ho_Chi_Minh"})
    params = wrapper.get_connection_params()
    loader = params["context"].get_loader(TIMESTAMPTZ, Format.TEXT)
    assert loader is not base.UtcLoader
    assert str(loader.timezone) == "Asia/Ho_Chi_Minh"
