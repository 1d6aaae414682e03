"""An imported change of a dossier (`import_update`, written by `import-dossiers` for a row
that changed) forgets the dossier's timing, as the clock events do (migration 0012): the
import may set its finish or closing without an event that leaves a step, and the officer
lines count a timed open window from the window alone (`drilldown.officers`), trusting that
its dossier is still inside its workflow. The pages walk such a dossier, as any other written
outside the lifecycle, until `motcua index_rebuild` times it again."""

from importlib import import_module

from django.db import migrations

BEFORE = import_module("motcua.index.migrations.0012_open_steps")
RUN = import_module("motcua.index.migrations.0007_fact_tables")._run
FUNCTION = BEFORE.FORWARDS["postgresql"][0]
FORGETTING = ("suspend", "request_supplement", "resume", "provide_supplement", "import_update")
assert FUNCTION.count(BEFORE.CLOCK) == 2, "migration 0012's function forgets as expected"
FORWARDS = {
    "postgresql": [FUNCTION.replace(BEFORE.CLOCK, str(FORGETTING))],
    "sqlite": [
        "CREATE TRIGGER index_step_windows_import AFTER INSERT ON dossiers_dossierevent "
        "WHEN NEW.action = 'import_update' BEGIN "
        "DELETE FROM index_closedstep WHERE dossier_id = NEW.dossier_id; "
        "UPDATE index_stepwindow SET timed_at = NULL WHERE dossier_id = NEW.dossier_id; END",
    ],
}
BACKWARDS = {
    "postgresql": [FUNCTION],
    "sqlite": ["DROP TRIGGER IF EXISTS index_step_windows_import"],
}


class Migration(migrations.Migration):
    dependencies = [
        ("index", "0016_open_step_procedure"),
    ]

    operations = [migrations.RunPython(RUN(FORWARDS), RUN(BACKWARDS))]
