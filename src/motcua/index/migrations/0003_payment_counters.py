from django.db import migrations

from motcua.index.backfills import payment_counters_rebuild


def forwards(apps, schema_editor):
    payment_counters_rebuild(apps)


class Migration(migrations.Migration):
    dependencies = [
        ("index", "0002_default_definition"),
        # Counted by `paid_online_at`, which that migration fills in.
        ("dossiers", "0005_backfill_paid_online_at"),
    ]

    operations = [migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True)]
