"""One officer's stored steps read from their index alone: the columns the officer page sums
and orders are included in `closed_step_holder_ended` (PostgreSQL; SQLite has no included
columns and keeps the plain index)."""

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
    ]
