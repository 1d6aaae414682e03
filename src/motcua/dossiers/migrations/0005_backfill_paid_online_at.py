from django.db import migrations

from motcua.dossiers.backfills import paid_online_at_backfill


def forwards(apps, schema_editor):
    paid_online_at_backfill(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("dossiers", "0004_dossier_paid_online_at"),
        # The backfill reads the payments' confirmation moments.
        ("payments", "0001_initial"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
