"""`DailyCounter` moves here from the index, state only: the table `index_dailycounter`,
created by index 0001, stays as it is (its rows, constraint and index included)."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    initial = True

    dependencies = [
        ("directory", "0002_load_divisions"),
        # The last index migration that wrote the table (the payment counters' backfill).
        ("index", "0003_payment_counters"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name="DailyCounter",
                    fields=[
                        (
                            "id",
                            models.BigAutoField(
                                auto_created=True,
                                primary_key=True,
                                serialize=False,
                                verbose_name="ID",
                            ),
                        ),
                        ("day", models.DateField()),
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
                        "verbose_name": "bộ đếm chỉ số",
                        "verbose_name_plural": "bộ đếm chỉ số",
                        "db_table": "index_dailycounter",
                        "indexes": [
                            models.Index(fields=["day", "agency"], name="counter_day_agency")
                        ],
                        "constraints": [
                            models.UniqueConstraint(
                                fields=("agency", "day", "metric"), name="counter_unique"
                            )
                        ],
                    },
                ),
            ],
            database_operations=[],
        ),
    ]
