"""One indicator's daily counters read by metric and day (the drill-down's lost dossiers)."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("counters", "0002_monthlycounter"),
        ("directory", "0005_agency_merged_on"),
    ]

    operations = [
        migrations.AddIndex(
            model_name="dailycounter",
            index=models.Index(fields=["metric", "day", "agency"], name="counter_metric_day"),
        ),
    ]
