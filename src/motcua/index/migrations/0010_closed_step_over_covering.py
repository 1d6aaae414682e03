"""The steps over budget carry the columns the officer lines read (index-only scans)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("index", "0009_closed_steps"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="closedstep",
            name="closed_step_over",
        ),
        migrations.AddIndex(
            model_name="closedstep",
            index=models.Index(
                condition=models.Q(("over__gt", 0)),
                fields=["agency_id", "ended_at"],
                include=("started_at", "late", "holder_id", "dossier_id"),
                name="closed_step_over",
            ),
        ),
    ]
