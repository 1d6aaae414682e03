"""`OnlineProcedureMonth`: taking dossiers away only subtracts from months that exist.

Migration 0007's triggers took a dossier away by upserting a negative count, so a delete of
the dossiers after their months were already emptied (SQLite's `flush` deletes the tables in
an order that changes per process; a repair that clears the months first) left negative rows
behind. As `StepDay` does (migration 0011), adding stays an upsert and taking away is an
UPDATE of the rows already there.
"""

from importlib import import_module

from django.db import migrations

BEFORE = import_module("motcua.index.migrations.0007_fact_tables")
MONTHS = BEFORE.MONTHS
PG_MONTH = BEFORE.PG_MONTH
SQLITE_MONTH = BEFORE.SQLITE_MONTH
ONLINE = "{0}.channel = 'online' AND {0}.received_at IS NOT NULL"


def _pg_take_away(where: str = "") -> str:
    return (
        f"UPDATE {MONTHS} m SET dossiers = m.dossiers - x.n FROM ("
        f"SELECT r.agency_id, r.procedure_id, {PG_MONTH.format('r')} AS month, COUNT(*) AS n "
        f"FROM old_rows r WHERE {ONLINE.format('r')} {where} GROUP BY 1, 2, 3) x "
        "WHERE m.agency_id = x.agency_id AND m.procedure_id = x.procedure_id "
        "AND m.month = x.month;"
    )


PG_FUNCTION = f"""
    CREATE OR REPLACE FUNCTION index_online_months_move() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'TRUNCATE' THEN
            DELETE FROM {MONTHS};
        ELSIF TG_OP = 'INSERT' THEN
            {BEFORE._month_rows("new_rows", "")}
        ELSIF TG_OP = 'DELETE' THEN
            {_pg_take_away()}
        ELSE
            {_pg_take_away(BEFORE.CHANGED)}
            {BEFORE._month_rows("new_rows", "", BEFORE.CHANGED)}
        END IF;
        RETURN NULL;
    END
    $$
    """
PG_FUNCTION_BEFORE = BEFORE.POSTGRESQL_FORWARDS[0].replace(
    "CREATE FUNCTION", "CREATE OR REPLACE FUNCTION", 1
)
SQLITE_TAKE_AWAY = (
    f"UPDATE {MONTHS} SET dossiers = dossiers - 1 "
    "WHERE agency_id = OLD.agency_id AND procedure_id = OLD.procedure_id "
    f"AND month = {SQLITE_MONTH.format('OLD')} AND {ONLINE.format('OLD')};"
)
# 0007's update and delete triggers, in that order.
SQLITE_TRIGGERS_BEFORE = [
    s
    for s in BEFORE.SQLITE_FORWARDS
    if s.startswith(
        ("CREATE TRIGGER index_online_months_update", "CREATE TRIGGER index_online_months_delete")
    )
]
SQLITE_DROP = [f"DROP TRIGGER IF EXISTS index_online_months_{op}" for op in ("update", "delete")]
SQLITE_TRIGGERS = [
    SQLITE_TRIGGERS_BEFORE[0].replace(BEFORE._sqlite_month("OLD", "-"), SQLITE_TAKE_AWAY),
    "CREATE TRIGGER index_online_months_delete AFTER DELETE ON dossiers_dossier "
    f"BEGIN {SQLITE_TAKE_AWAY} END",
]
assert SQLITE_TRIGGERS[0] != SQLITE_TRIGGERS_BEFORE[0], "0007's update trigger reads as expected"

FORWARDS = {"postgresql": [PG_FUNCTION], "sqlite": [*SQLITE_DROP, *SQLITE_TRIGGERS]}
BACKWARDS = {"postgresql": [PG_FUNCTION_BEFORE], "sqlite": [*SQLITE_DROP, *SQLITE_TRIGGERS_BEFORE]}


class Migration(migrations.Migration):
    dependencies = [("index", "0012_open_steps")]

    operations = [migrations.RunPython(BEFORE._run(FORWARDS), BEFORE._run(BACKWARDS))]
