"""`closed_step_over` led by `late`: the officer lines count the late dossiers behind the
over-budget steps in SQL and read the few still inside their workflow apart
(`drilldown.officers.count_delayed`), each a range of the index instead of all the period's
over-budget steps."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("index", "0013_online_months_take_away_existing"),
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
                fields=["agency_id", "late", "ended_at"],
                include=("started_at", "holder_id", "dossier_id"),
                name="closed_step_over",
            ),
        ),
    ]
