"""Two tables the leaders' pages read instead of walking the dossier and event tables, kept
by triggers in the writing transaction (as `CatalogStamp`, migration 0005), and filled here
from what is already stored:

- `OnlineProcedureMonth`: dossiers received online per agency, procedure and local month.
  PostgreSQL: one statement trigger per kind of write on the dossier table, reading its
  transition tables (an import of a million rows is one GROUP BY, a transition one row);
  SQLite: row triggers. A TRUNCATE of the dossiers empties it.
- `StepWindow`: per dossier, when it was inside its workflow's steps, moved by the events
  that enter (`forward`, `send_back`) or leave (`approve`, `refuse`, `withdraw`, `cancel`)
  them. Events are only ever inserted.

A table that a later migration rebuilds on SQLite loses its triggers:
tests/index/test_fact_tables.py writes each kind of row and compares with a recount.
"""

from django.db import migrations, models

ENTER = "('forward', 'send_back')"
WALKED = "('forward', 'send_back', 'approve', 'refuse', 'withdraw', 'cancel')"
PG_MONTH = "CAST(date_trunc('month', {0}.received_at AT TIME ZONE 'Asia/Ho_Chi_Minh') AS date)"
SQLITE_MONTH = "date({0}.received_at, '+7 hours', 'start of month')"
MONTHS = "index_onlineproceduremonth"
MONTH_UPSERT = (
    "ON CONFLICT (agency_id, month, procedure_id) "
    f"DO UPDATE SET dossiers = {MONTHS}.dossiers + excluded.dossiers"
)


def _month_rows(rows: str, sign: str, where: str = "") -> str:
    """PostgreSQL: add (sign +) or take away (-) the online received dossiers of `rows`."""
    return (
        f"INSERT INTO {MONTHS} (agency_id, procedure_id, month, dossiers) "
        f"SELECT r.agency_id, r.procedure_id, {PG_MONTH.format('r')}, {sign}COUNT(*) "
        f"FROM {rows} r WHERE r.channel = 'online' AND r.received_at IS NOT NULL {where} "
        f"GROUP BY 1, 2, 3 ORDER BY 1, 2, 3 {MONTH_UPSERT};"
    )


CHANGED = (
    "AND r.id IN (SELECT o.id FROM old_rows o JOIN new_rows n ON n.id = o.id "
    "WHERE (o.received_at, o.channel, o.agency_id, o.procedure_id) IS DISTINCT FROM "
    "(n.received_at, n.channel, n.agency_id, n.procedure_id))"
)
POSTGRESQL_FORWARDS = [
    f"""
    CREATE FUNCTION index_online_months_move() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'TRUNCATE' THEN
            DELETE FROM {MONTHS};
        ELSIF TG_OP = 'INSERT' THEN
            {_month_rows("new_rows", "")}
        ELSIF TG_OP = 'DELETE' THEN
            {_month_rows("old_rows", "-")}
        ELSE
            {_month_rows("old_rows", "-", CHANGED)}
            {_month_rows("new_rows", "", CHANGED)}
        END IF;
        RETURN NULL;
    END
    $$
    """,
    "CREATE TRIGGER index_online_months_insert AFTER INSERT ON dossiers_dossier "
    "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION index_online_months_move()",
    "CREATE TRIGGER index_online_months_update AFTER UPDATE ON dossiers_dossier "
    "REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION index_online_months_move()",
    "CREATE TRIGGER index_online_months_delete AFTER DELETE ON dossiers_dossier "
    "REFERENCING OLD TABLE AS old_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION index_online_months_move()",
    "CREATE TRIGGER index_online_months_truncate AFTER TRUNCATE ON dossiers_dossier "
    "FOR EACH STATEMENT EXECUTE FUNCTION index_online_months_move()",
    f"""
    CREATE FUNCTION index_step_windows_move() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'TRUNCATE' THEN
            DELETE FROM index_stepwindow;
            RETURN NULL;
        END IF;
        -- Per dossier of the statement: its first entry, its latest moment, and whether the
        -- last of its events (by seq) entered a step (the window stays open) or left. Two
        -- statements, each reading the events once (a large import spills them to disk).
        INSERT INTO index_stepwindow AS w (dossier_id, entered_at, last_at, left_at)
        SELECT dossier_id, MIN(at) FILTER (WHERE action IN {ENTER}), MAX(at),
               CASE WHEN (array_agg(action ORDER BY seq DESC))[1] IN {ENTER} THEN NULL
                    ELSE MAX(at) END
        FROM new_rows WHERE action IN {WALKED}
        GROUP BY dossier_id HAVING bool_or(action IN {ENTER}) ORDER BY dossier_id
        ON CONFLICT (dossier_id) DO UPDATE SET
            entered_at = LEAST(w.entered_at, excluded.entered_at),
            last_at = GREATEST(w.last_at, excluded.last_at),
            left_at = CASE WHEN excluded.left_at IS NULL THEN NULL
                           ELSE GREATEST(w.last_at, excluded.last_at) END;
        UPDATE index_stepwindow w
        SET last_at = GREATEST(w.last_at, m.last_at), left_at = GREATEST(w.last_at, m.last_at)
        FROM (SELECT dossier_id, MAX(at) AS last_at FROM new_rows WHERE action IN {WALKED}
              GROUP BY dossier_id HAVING NOT bool_or(action IN {ENTER})) m
        WHERE w.dossier_id = m.dossier_id;
        RETURN NULL;
    END
    $$
    """,
    "CREATE TRIGGER index_step_windows_insert AFTER INSERT ON dossiers_dossierevent "
    "REFERENCING NEW TABLE AS new_rows FOR EACH STATEMENT "
    "EXECUTE FUNCTION index_step_windows_move()",
    "CREATE TRIGGER index_step_windows_truncate AFTER TRUNCATE ON dossiers_dossierevent "
    "FOR EACH STATEMENT EXECUTE FUNCTION index_step_windows_move()",
]
POSTGRESQL_BACKWARDS = [
    *(
        f"DROP TRIGGER IF EXISTS index_online_months_{op} ON dossiers_dossier"
        for op in ("insert", "update", "delete", "truncate")
    ),
    "DROP FUNCTION IF EXISTS index_online_months_move()",
    *(
        f"DROP TRIGGER IF EXISTS index_step_windows_{op} ON dossiers_dossierevent"
        for op in ("insert", "truncate")
    ),
    "DROP FUNCTION IF EXISTS index_step_windows_move()",
]


def _sqlite_month(row: str, sign: str) -> str:
    return (
        f"INSERT INTO {MONTHS} (agency_id, procedure_id, month, dossiers) "
        f"SELECT {row}.agency_id, {row}.procedure_id, {SQLITE_MONTH.format(row)}, {sign}1 "
        f"WHERE {row}.channel = 'online' AND {row}.received_at IS NOT NULL {MONTH_UPSERT};"
    )


SQLITE_FORWARDS = [
    "CREATE TRIGGER index_online_months_insert AFTER INSERT ON dossiers_dossier "
    f"BEGIN {_sqlite_month('NEW', '')} END",
    "CREATE TRIGGER index_online_months_update "
    "AFTER UPDATE OF received_at, channel, agency_id, procedure_id ON dossiers_dossier "
    "WHEN OLD.received_at IS NOT NEW.received_at OR OLD.channel IS NOT NEW.channel "
    "OR OLD.agency_id IS NOT NEW.agency_id OR OLD.procedure_id IS NOT NEW.procedure_id "
    f"BEGIN {_sqlite_month('OLD', '-')} {_sqlite_month('NEW', '')} END",
    "CREATE TRIGGER index_online_months_delete AFTER DELETE ON dossiers_dossier "
    f"BEGIN {_sqlite_month('OLD', '-')} END",
    "CREATE TRIGGER index_step_windows_enter AFTER INSERT ON dossiers_dossierevent "
    f"WHEN NEW.action IN {ENTER} BEGIN "
    "INSERT INTO index_stepwindow (dossier_id, entered_at, last_at, left_at) "
    "VALUES (NEW.dossier_id, NEW.at, NEW.at, NULL) ON CONFLICT (dossier_id) DO UPDATE SET "
    "entered_at = min(entered_at, excluded.entered_at), "
    "last_at = max(last_at, excluded.last_at), left_at = NULL; END",
    "CREATE TRIGGER index_step_windows_leave AFTER INSERT ON dossiers_dossierevent "
    "WHEN NEW.action IN ('approve', 'refuse', 'withdraw', 'cancel') BEGIN "
    "UPDATE index_stepwindow SET last_at = max(last_at, NEW.at), "
    "left_at = max(last_at, NEW.at) WHERE dossier_id = NEW.dossier_id; END",
]
SQLITE_BACKWARDS = [
    *(f"DROP TRIGGER IF EXISTS index_online_months_{op}" for op in ("insert", "update", "delete")),
    "DROP TRIGGER IF EXISTS index_step_windows_enter",
    "DROP TRIGGER IF EXISTS index_step_windows_leave",
]


def _fill(month: str) -> list[str]:
    """What is already stored: the same rows the triggers would have written."""
    return [
        f"INSERT INTO {MONTHS} (agency_id, procedure_id, month, dossiers) "
        f"SELECT d.agency_id, d.procedure_id, {month.format('d')}, COUNT(*) "
        "FROM dossiers_dossier d WHERE d.channel = 'online' AND d.received_at IS NOT NULL "
        "GROUP BY 1, 2, 3",
        "INSERT INTO index_stepwindow (dossier_id, entered_at, last_at, left_at) "
        f"SELECT e.dossier_id, MIN(CASE WHEN e.action IN {ENTER} THEN e.at END), MAX(e.at), "
        "CASE WHEN (SELECT l.action FROM dossiers_dossierevent l "
        f"          WHERE l.dossier_id = e.dossier_id AND l.action IN {WALKED} "
        f"          ORDER BY l.seq DESC LIMIT 1) IN {ENTER} THEN NULL ELSE MAX(e.at) END "
        f"FROM dossiers_dossierevent e WHERE e.action IN {WALKED} GROUP BY e.dossier_id "
        f"HAVING MIN(CASE WHEN e.action IN {ENTER} THEN e.at END) IS NOT NULL",
    ]


def _run(statements: dict[str, list[str]]):
    def run(apps, schema_editor) -> None:
        for statement in statements.get(schema_editor.connection.vendor, []):
            schema_editor.execute(statement)

    return run


class Migration(migrations.Migration):
    dependencies = [
        ("index", "0006_filed_report"),
        ("dossiers", "0012_dossier_waits_for"),
    ]

    operations = [
        migrations.CreateModel(
            name="OnlineProcedureMonth",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("agency_id", models.BigIntegerField()),
                ("procedure_id", models.BigIntegerField()),
                ("month", models.DateField()),
                ("dossiers", models.IntegerField(default=0)),
            ],
            options={
                "verbose_name": "hồ sơ trực tuyến theo thủ tục, tháng",
                "verbose_name_plural": "hồ sơ trực tuyến theo thủ tục, tháng",
                "constraints": [
                    models.UniqueConstraint(
                        fields=("agency_id", "month", "procedure_id"),
                        name="online_procedure_month_key",
                    )
                ],
            },
        ),
        migrations.CreateModel(
            name="StepWindow",
            fields=[
                ("dossier_id", models.BigIntegerField(primary_key=True, serialize=False)),
                ("entered_at", models.DateTimeField()),
                ("last_at", models.DateTimeField()),
                ("left_at", models.DateTimeField(blank=True, null=True)),
            ],
            options={
                "verbose_name": "khoảng thời gian hồ sơ ở các bước xử lý",
                "verbose_name_plural": "khoảng thời gian hồ sơ ở các bước xử lý",
                "indexes": [models.Index(fields=["left_at"], name="step_window_left_at")],
            },
        ),
        migrations.RunPython(
            _run(
                {
                    "sqlite": [*_fill(SQLITE_MONTH), *SQLITE_FORWARDS],
                    "postgresql": [*_fill(PG_MONTH), *POSTGRESQL_FORWARDS],
                }
            ),
            _run({"sqlite": SQLITE_BACKWARDS, "postgresql": POSTGRESQL_BACKWARDS}),
        ),
    ]
