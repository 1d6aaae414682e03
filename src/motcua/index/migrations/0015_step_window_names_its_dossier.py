"""`StepWindow.dossier_id` declared as its dossier's key (a one-to-one key without a database
constraint), so that the leaders' pages read an open step with its dossier in one statement.
The column, its type, its primary key and the triggers that write it stay as they are: this
changes only what Django knows of the table."""

import django.db.models.deletion
from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("dossiers", "0014_optional_references_unconstrained"),
        ("index", "0014_closed_step_over_by_lateness"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.RemoveField(model_name="stepwindow", name="dossier_id"),
                migrations.AddField(
                    model_name="stepwindow",
                    name="dossier",
                    field=models.OneToOneField(
                        db_constraint=False,
                        on_delete=django.db.models.deletion.DO_NOTHING,
                        primary_key=True,
                        related_name="+",
                        serialize=False,
                        to="dossiers.dossier",
                    ),
                    preserve_default=False,
                ),
            ]
        )
    ]
