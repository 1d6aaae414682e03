"""`StepDay`: the closed steps summed per agency, holder and local day — by the day they
ended and by the day they started — kept by triggers on `index_closedstep` in the writing
transaction (PostgreSQL: one statement trigger per kind of write, reading its transition
tables; SQLite: row triggers), and filled here from the steps already stored.

Adding a step inserts or adds to its days' rows; taking one away only subtracts from rows that
exist (a step's rows were made when it was added), so deleting the steps after the days (a
flush, in whatever order it takes the tables) leaves no row behind.

Every writer of the steps goes through the table: a transition (`index.steps`), the event
trigger that forgets a dossier's steps (migration 0009), `motcua index_rebuild`. A table that
a later migration rebuilds on SQLite loses its triggers: tests/index/test_closed_steps.py
compares the days with a recount after each kind of write.
"""

from importlib import import_module

from django.db import migrations, models

# Migration 0007's runner of statements per database.
RUN = import_module("motcua.index.migrations.0007_fact_tables")._run

DAYS = "index_stepday"
COLUMNS = (
    "agency_id, holder_id, day, ended_steps, ended_over_steps, ended_over, "
    "started_steps, started_over_steps, started_over"
)
SUMS = ("ended_steps", "ended_over_steps", "ended_over")
SUMS += ("started_steps", "started_over_steps", "started_over")
UPSERT = "ON CONFLICT (agency_id, day, holder_id) DO UPDATE SET " + ", ".join(
    f"{c} = {DAYS}.{c} + excluded.{c}" for c in SUMS
)
PG_DAY = "CAST({0} AT TIME ZONE 'Asia/Ho_Chi_Minh' AS date)"
SQLITE_DAY = "date({0}, '+7 hours')"


def _by_day(rows: str, day: str) -> str:
    """`rows` per agency, holder and day: each step once on the day it ended and once on the
    day it started, as the six sums of `SUMS`."""
    over = "CASE WHEN c.over > 0 THEN 1 ELSE 0 END"
    sums = ", ".join(f"SUM(x.{c}) AS {c}" for c in SUMS)
    return (
        f"SELECT x.agency_id, x.holder_id, x.day, {sums} FROM ("
        f"SELECT c.agency_id, COALESCE(c.holder_id, 0) AS holder_id, "
        f"{day.format('c.ended_at')} AS day, 1 AS {SUMS[0]}, {over} AS {SUMS[1]}, "
        f"c.over AS {SUMS[2]}, 0 AS {SUMS[3]}, 0 AS {SUMS[4]}, 0 AS {SUMS[5]} FROM {rows} c "
        f"UNION ALL SELECT c.agency_id, COALESCE(c.holder_id, 0), "
        f"{day.format('c.started_at')}, 0, 0, 0, 1, {over}, c.over FROM {rows} c"
        f") x WHERE true GROUP BY x.agency_id, x.holder_id, x.day"
    )


def _add(rows: str, day: str) -> str:
    return f"INSERT INTO {DAYS} ({COLUMNS}) {_by_day(rows, day)} ORDER BY 1, 2, 3 {UPSERT};"


def _take_away(rows: str, day: str) -> str:
    sets = ", ".join(f"{c} = {DAYS}.{c} - x.{c}" for c in SUMS)
    return (
        f"UPDATE {DAYS} SET {sets} FROM ({_by_day(rows, day)}) x "
        f"WHERE {DAYS}.agency_id = x.agency_id AND {DAYS}.holder_id = x.holder_id "
        f"AND {DAYS}.day = x.day;"
    )


POSTGRESQL_FORWARDS = [
    f"""
    CREATE FUNCTION index_step_days_move() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'TRUNCATE' THEN
            DELETE FROM {DAYS};
            RETURN NULL;
        END IF;
        IF TG_OP IN ('DELETE', 'UPDATE') THEN
            {_take_away("old_rows", PG_DAY)}
        END IF;
        IF TG_OP IN ('INSERT', 'UPDATE') THEN
            {_add("new_rows", PG_DAY)}
        END IF;
        RETURN NULL;
    END
    $$
    """,
    "CREATE TRIGGER index_step_days_insert AFTER INSERT ON index_closedstep "
    "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION index_step_days_move()",
    "CREATE TRIGGER index_step_days_update AFTER UPDATE ON index_closedstep "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION index_step_days_move()",
    "CREATE TRIGGER index_step_days_delete AFTER DELETE ON index_closedstep "
    "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION index_step_days_move()",
    "CREATE TRIGGER index_step_days_truncate AFTER TRUNCATE ON index_closedstep "
    "FOR EACH STATEMENT EXECUTE FUNCTION index_step_days_move()",
    _add("index_closedstep", PG_DAY),
]
POSTGRESQL_BACKWARDS = [
    *(
        f"DROP TRIGGER IF EXISTS index_step_days_{op} ON index_closedstep"
        for op in ("insert", "update", "delete", "truncate")
    ),
    "DROP FUNCTION IF EXISTS index_step_days_move()",
]


def _sqlite_add(row: str) -> str:
    over = f"CASE WHEN {row}.over > 0 THEN 1 ELSE 0 END"
    holder = f"COALESCE({row}.holder_id, 0)"
    return (
        f"INSERT INTO {DAYS} ({COLUMNS}) VALUES ({row}.agency_id, {holder}, "
        f"{SQLITE_DAY.format(row + '.ended_at')}, 1, {over}, {row}.over, 0, 0, 0) {UPSERT}; "
        f"INSERT INTO {DAYS} ({COLUMNS}) VALUES ({row}.agency_id, {holder}, "
        f"{SQLITE_DAY.format(row + '.started_at')}, 0, 0, 0, 1, {over}, {row}.over) {UPSERT};"
    )


def _sqlite_take_away(row: str) -> str:
    over = f"CASE WHEN {row}.over > 0 THEN 1 ELSE 0 END"
    key = f"agency_id = {row}.agency_id AND holder_id = COALESCE({row}.holder_id, 0)"
    return " ".join(
        f"UPDATE {DAYS} SET {kind}_steps = {kind}_steps - 1, "
        f"{kind}_over_steps = {kind}_over_steps - {over}, {kind}_over = {kind}_over - {row}.over "
        f"WHERE {key} AND day = {SQLITE_DAY.format(f'{row}.{moment}')};"
        for kind, moment in (("ended", "ended_at"), ("started", "started_at"))
    )


SQLITE_FORWARDS = [
    "CREATE TRIGGER index_step_days_insert AFTER INSERT ON index_closedstep "
    f"BEGIN {_sqlite_add('NEW')} END",
    "CREATE TRIGGER index_step_days_update AFTER UPDATE ON index_closedstep "
    f"BEGIN {_sqlite_take_away('OLD')} {_sqlite_add('NEW')} END",
    "CREATE TRIGGER index_step_days_delete AFTER DELETE ON index_closedstep "
    f"BEGIN {_sqlite_take_away('OLD')} END",
    _add("index_closedstep", SQLITE_DAY),
]
SQLITE_BACKWARDS = [
    f"DROP TRIGGER IF EXISTS index_step_days_{op}" for op in ("insert", "update", "delete")
]


class Migration(migrations.Migration):
    dependencies = [
        ("index", "0010_closed_step_over_covering"),
    ]

    operations = [
        migrations.CreateModel(
            name="StepDay",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("agency_id", models.BigIntegerField()),
                ("holder_id", models.BigIntegerField()),
                ("day", models.DateField()),
                ("ended_steps", models.IntegerField(default=0)),
                ("ended_over_steps", models.IntegerField(default=0)),
                ("ended_over", models.BigIntegerField(default=0)),
                ("started_steps", models.IntegerField(default=0)),
                ("started_over_steps", models.IntegerField(default=0)),
                ("started_over", models.BigIntegerField(default=0)),
            ],
            options={
                "verbose_name": "bước xử lý đã xong theo ngày",
                "verbose_name_plural": "bước xử lý đã xong theo ngày",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("agency_id", "day", "holder_id"), name="step_day_key"
                    )
                ],
            },
        ),
        migrations.RunPython(
            RUN({"postgresql": POSTGRESQL_FORWARDS, "sqlite": SQLITE_FORWARDS}),
            RUN({"postgresql": POSTGRESQL_BACKWARDS, "sqlite": SQLITE_BACKWARDS}),
        ),
    ]
