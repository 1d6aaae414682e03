"""`StepWindow.open_*`: the step a timed dossier is still in (its position, assignee, the
pauses already over inside it, and since when its clock has been stopped), written with the
closed steps (`index.steps`), so the leaders' pages time an open step without walking its
events.

The event trigger now also forgets a dossier's timing (its `ClosedStep` rows and `timed_at`)
with every event that stops or restarts the clock (`suspend`, `request_supplement`,
`resume`, `provide_supplement`): the transition that wrote it times the dossier again, and
a dossier written by anything else is walked, never read stale.

The open windows already timed are forgotten here: run `motcua index_rebuild` once after
migrating (until then the pages walk them, as before).
"""

from importlib import import_module

from django.db import migrations, models

CLOCK = "('suspend', 'request_supplement', 'resume', 'provide_supplement')"
# Migration 0009: the trigger function this one extends, and the runner of statements.
BEFORE = import_module("motcua.index.migrations.0009_closed_steps")
RUN = import_module("motcua.index.migrations.0007_fact_tables")._run
FUNCTION = next(s for s in BEFORE.POSTGRESQL_FORWARDS if "CREATE OR REPLACE FUNCTION" in s)
FORGET_CLOCK = f"""
        DELETE FROM index_closedstep c USING
            (SELECT DISTINCT dossier_id FROM new_rows WHERE action IN {CLOCK}) m
        WHERE c.dossier_id = m.dossier_id;
        UPDATE index_stepwindow w SET timed_at = NULL
        FROM (SELECT DISTINCT dossier_id FROM new_rows WHERE action IN {CLOCK}) m
        WHERE w.dossier_id = m.dossier_id AND w.timed_at IS NOT NULL;
        RETURN NULL;
    END"""
head, _sep, tail = FUNCTION.rpartition("        RETURN NULL;\n    END")
assert _sep, "migration 0009's trigger function ends as expected"
FORGET_OPEN = [
    "DELETE FROM index_closedstep WHERE dossier_id IN "
    "(SELECT dossier_id FROM index_stepwindow WHERE left_at IS NULL AND timed_at IS NOT NULL)",
    "UPDATE index_stepwindow SET timed_at = NULL WHERE left_at IS NULL AND timed_at IS NOT NULL",
]
FORWARDS = {
    "postgresql": [head + FORGET_CLOCK + tail, *FORGET_OPEN],
    "sqlite": [
        "CREATE TRIGGER index_step_windows_clock AFTER INSERT ON dossiers_dossierevent "
        f"WHEN NEW.action IN {CLOCK} BEGIN "
        "DELETE FROM index_closedstep WHERE dossier_id = NEW.dossier_id; "
        "UPDATE index_stepwindow SET timed_at = NULL WHERE dossier_id = NEW.dossier_id; END",
        *FORGET_OPEN,
    ],
}
BACKWARDS = {
    "postgresql": [FUNCTION],
    "sqlite": ["DROP TRIGGER IF EXISTS index_step_windows_clock"],
}


class Migration(migrations.Migration):
    dependencies = [
        ("index", "0011_step_days"),
    ]

    operations = [
        migrations.AddField(
            model_name="stepwindow",
            name="open_assignee_id",
            field=models.BigIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="stepwindow",
            name="open_pause_since",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="stepwindow",
            name="open_paused",
            field=models.BigIntegerField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="stepwindow",
            name="open_position",
            field=models.IntegerField(blank=True, null=True),
        ),
        migrations.RunPython(RUN(FORWARDS), RUN(BACKWARDS)),
    ]
