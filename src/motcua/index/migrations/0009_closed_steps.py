"""`ClosedStep`: each workflow step a dossier has left, timed once when it left, and
`StepWindow.timed_at`, when they were written (`index.steps`); `StepWindow.agency_id`, the
dossier's agency (which never changes), so the pages find an agency's open windows by index.

The event trigger of migration 0007 now also forgets a dossier's timing with every event
entering or leaving a step: it deletes the dossier's `ClosedStep` rows and empties `timed_at`.
The transition that wrote the event times the dossier again in the same transaction; any
other writer (an import, a shell, a benchmark's SQL) leaves it untimed, and the pages walk
its events as before until `motcua index_rebuild` times it.

Windows already stored start untimed: run `motcua index_rebuild` once after migrating.
"""

from importlib import import_module

from django.db import migrations, models

ENTER = "('forward', 'send_back')"
WALKED = "('forward', 'send_back', 'approve', 'refuse', 'withdraw', 'cancel')"
FORGET = (
    "DELETE FROM index_closedstep c USING "
    f"(SELECT DISTINCT dossier_id FROM new_rows WHERE action IN {WALKED}) m "
    "WHERE c.dossier_id = m.dossier_id;"
)
POSTGRESQL_FORWARDS = [
    "UPDATE index_stepwindow w SET agency_id = d.agency_id FROM dossiers_dossier d "
    "WHERE d.id = w.dossier_id",
    f"""
    CREATE OR REPLACE FUNCTION index_step_windows_move() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'TRUNCATE' THEN
            DELETE FROM index_stepwindow;
            DELETE FROM index_closedstep;
            RETURN NULL;
        END IF;
        {FORGET}
        -- Per dossier of the statement: its first entry, its latest moment, and whether the
        -- last of its events (by seq) entered a step (the window stays open) or left. Two
        -- statements, each reading the events once (a large import spills them to disk).
        INSERT INTO index_stepwindow AS w
            (dossier_id, agency_id, entered_at, last_at, left_at, timed_at)
        SELECT n.dossier_id, d.agency_id, MIN(n.at) FILTER (WHERE n.action IN {ENTER}),
               MAX(n.at),
               CASE WHEN (array_agg(n.action ORDER BY n.seq DESC))[1] IN {ENTER} THEN NULL
                    ELSE MAX(n.at) END,
               NULL
        FROM new_rows n JOIN dossiers_dossier d ON d.id = n.dossier_id
        WHERE n.action IN {WALKED}
        GROUP BY n.dossier_id, d.agency_id HAVING bool_or(n.action IN {ENTER})
        ORDER BY n.dossier_id
        ON CONFLICT (dossier_id) DO UPDATE SET
            entered_at = LEAST(w.entered_at, excluded.entered_at),
            last_at = GREATEST(w.last_at, excluded.last_at),
            left_at = CASE WHEN excluded.left_at IS NULL THEN NULL
                           ELSE GREATEST(w.last_at, excluded.last_at) END,
            timed_at = NULL;
        UPDATE index_stepwindow w
        SET last_at = GREATEST(w.last_at, m.last_at), left_at = GREATEST(w.last_at, m.last_at),
            timed_at = NULL
        FROM (SELECT dossier_id, MAX(at) AS last_at FROM new_rows WHERE action IN {WALKED}
              GROUP BY dossier_id HAVING NOT bool_or(action IN {ENTER})) m
        WHERE w.dossier_id = m.dossier_id;
        RETURN NULL;
    END
    $$
    """,
]

SQLITE_FORWARDS = [
    "UPDATE index_stepwindow SET agency_id = "
    "(SELECT agency_id FROM dossiers_dossier d WHERE d.id = index_stepwindow.dossier_id)",
    "DROP TRIGGER IF EXISTS index_step_windows_enter",
    "DROP TRIGGER IF EXISTS index_step_windows_leave",
    "CREATE TRIGGER index_step_windows_enter AFTER INSERT ON dossiers_dossierevent "
    f"WHEN NEW.action IN {ENTER} BEGIN "
    "DELETE FROM index_closedstep WHERE dossier_id = NEW.dossier_id; "
    "INSERT INTO index_stepwindow (dossier_id, agency_id, entered_at, last_at, left_at, timed_at) "
    "VALUES (NEW.dossier_id, (SELECT agency_id FROM dossiers_dossier WHERE id = NEW.dossier_id), "
    "NEW.at, NEW.at, NULL, NULL) ON CONFLICT (dossier_id) DO UPDATE SET "
    "entered_at = min(entered_at, excluded.entered_at), "
    "last_at = max(last_at, excluded.last_at), left_at = NULL, timed_at = NULL; END",
    "CREATE TRIGGER index_step_windows_leave AFTER INSERT ON dossiers_dossierevent "
    "WHEN NEW.action IN ('approve', 'refuse', 'withdraw', 'cancel') BEGIN "
    "DELETE FROM index_closedstep WHERE dossier_id = NEW.dossier_id; "
    "UPDATE index_stepwindow SET last_at = max(last_at, NEW.at), "
    "left_at = max(last_at, NEW.at), timed_at = NULL WHERE dossier_id = NEW.dossier_id; END",
]


# Migration 0007: its triggers to go back to, and its runner of statements per database.
BEFORE = import_module("motcua.index.migrations.0007_fact_tables")
PREVIOUS = {
    "postgresql": [
        s.replace("CREATE FUNCTION", "CREATE OR REPLACE FUNCTION")
        for s in BEFORE.POSTGRESQL_FORWARDS
        if "index_step_windows_move()" in s and "CREATE FUNCTION" in s
    ],
    "sqlite": [
        "DROP TRIGGER IF EXISTS index_step_windows_enter",
        "DROP TRIGGER IF EXISTS index_step_windows_leave",
        *(s for s in BEFORE.SQLITE_FORWARDS if "index_step_windows" in s),
    ],
}


class Migration(migrations.Migration):
    dependencies = [
        ("index", "0008_catalog_stamp_once_a_transaction"),
    ]

    operations = [
        migrations.AddField(
            model_name="stepwindow",
            name="timed_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddIndex(
            model_name="stepwindow",
            index=models.Index(
                condition=models.Q(("timed_at__isnull", True)),
                fields=["entered_at"],
                name="step_window_untimed",
            ),
        ),
        migrations.CreateModel(
            name="ClosedStep",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("dossier_id", models.BigIntegerField()),
                ("agency_id", models.BigIntegerField()),
                ("step_id", models.BigIntegerField()),
                ("holder_id", models.BigIntegerField(blank=True, null=True)),
                ("started_at", models.DateTimeField()),
                ("ended_at", models.DateTimeField()),
                ("worked", models.BigIntegerField()),
                ("paused", models.BigIntegerField()),
                ("budget", models.BigIntegerField(blank=True, null=True)),
                ("over", models.BigIntegerField()),
                ("late", models.BooleanField(blank=True, null=True)),
            ],
            options={
                "verbose_name": "bước xử lý đã xong",
                "verbose_name_plural": "bước xử lý đã xong",
                "indexes": [
                    models.Index(fields=["agency_id", "ended_at"], name="closed_step_agency_ended"),
                    models.Index(
                        condition=models.Q(("over__gt", 0)),
                        fields=["agency_id", "ended_at"],
                        name="closed_step_over",
                    ),
                    models.Index(fields=["holder_id", "ended_at"], name="closed_step_holder_ended"),
                    models.Index(fields=["dossier_id"], name="closed_step_dossier"),
                ],
            },
        ),
        migrations.AddField(
            model_name="stepwindow",
            name="agency_id",
            field=models.BigIntegerField(blank=True, null=True),
        ),
        migrations.AddIndex(
            model_name="stepwindow",
            index=models.Index(
                condition=models.Q(("left_at__isnull", True)),
                fields=["agency_id"],
                name="step_window_open",
            ),
        ),
        migrations.RunPython(
            BEFORE._run({"sqlite": SQLITE_FORWARDS, "postgresql": POSTGRESQL_FORWARDS}),
            BEFORE._run(PREVIOUS),
        ),
    ]
