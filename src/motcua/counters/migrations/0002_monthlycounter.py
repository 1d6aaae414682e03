"""The monthly roll-up of the daily counters, filled from the daily rows already there."""

import django.db.models.deletion
from django.db import migrations, models

MONTH = {
    "postgresql": "CAST(date_trunc('month', \"day\") AS date)",
    "sqlite": "date(\"day\", 'start of month')",
}


def fill(apps, schema_editor) -> None:
    month = MONTH[schema_editor.connection.vendor]
    schema_editor.execute(
        'INSERT INTO "counters_monthlycounter" ("agency_id", "month", "metric", "value") '
        f'SELECT "agency_id", {month}, "metric", SUM("value") FROM "index_dailycounter" '
        'GROUP BY 1, 2, 3 HAVING SUM("value") <> 0'
    )


class Migration(migrations.Migration):
    dependencies = [
        ("counters", "0001_dailycounter_from_index"),
        ("directory", "0002_load_divisions"),
    ]

    operations = [
        migrations.CreateModel(
            name="MonthlyCounter",
            fields=[
                (
                    "id",
                    models.BigAutoField(
                        auto_created=True, primary_key=True, serialize=False, verbose_name="ID"
                    ),
                ),
                ("month", models.DateField()),
                ("metric", models.CharField(max_length=32)),
                ("value", models.BigIntegerField(default=0)),
                (
                    "agency",
                    models.ForeignKey(
                        on_delete=django.db.models.deletion.CASCADE,
                        related_name="+",
                        to="directory.agency",
                    ),
                ),
            ],
            options={
                "verbose_name": "bộ đếm chỉ số theo tháng",
                "verbose_name_plural": "bộ đếm chỉ số theo tháng",
                "indexes": [
                    models.Index(fields=["month", "agency"], name="monthly_counter_month_agency")
                ],
                "constraints": [
                    models.UniqueConstraint(
                        fields=("agency", "month", "metric"), name="monthly_counter_unique"
                    )
                ],
            },
        ),
        migrations.RunPython(fill, migrations.RunPython.noop),
    ]
