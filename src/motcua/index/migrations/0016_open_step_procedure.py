"""`StepWindow.open_procedure_id`: the procedure of the step a timed dossier is still in (its
dossier's), written with the other `open_*` columns (`index.steps`), so that the officer lines
find an open step's budget from its window alone and read with their dossiers only the steps
that may be over it. The windows timed and still open get theirs here."""

from django.db import migrations, models

BACKFILL = (
    "UPDATE index_stepwindow SET open_procedure_id = "
    "(SELECT procedure_id FROM dossiers_dossier d WHERE d.id = index_stepwindow.dossier_id) "
    "WHERE timed_at IS NOT NULL AND left_at IS NULL"
)


class Migration(migrations.Migration):
    dependencies = [
        ("index", "0015_step_window_names_its_dossier"),
    ]

    operations = [
        migrations.AddField(
            model_name="stepwindow",
            name="open_procedure_id",
            field=models.BigIntegerField(blank=True, null=True),
        ),
        migrations.RunSQL(BACKFILL, migrations.RunSQL.noop),
    ]
