"""The officers' stored steps read from their indexes alone (PostgreSQL; SQLite has no
included columns and keeps plain indexes): the columns one officer's page sums and orders
are included in `closed_step_holder_ended`, and the late dossiers behind the steps over
budget are read in holder and dossier order (`closed_step_late_holder`)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("index", "0017_import_update_forgets_timing"),
    ]

    operations = [
        migrations.RemoveIndex(model_name="closedstep", name="closed_step_holder_ended"),
        migrations.AddIndex(
            model_name="closedstep",
            index=models.Index(
                fields=["holder_id", "ended_at"],
                include=("started_at", "agency_id", "step_id", "over", "dossier_id", "id"),
                name="closed_step_holder_ended",
            ),
        ),
        migrations.AddIndex(
            model_name="closedstep",
            index=models.Index(
                fields=["holder_id", "dossier_id"],
                condition=models.Q(over__gt=0, late=True),
                include=("agency_id", "started_at", "ended_at"),
                name="closed_step_late_holder",
            ),
        ),
    ]
