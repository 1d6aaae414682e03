"""`DailyCounter` now belongs to the `counters` app (counters 0001): dropped from the index's
state only, the table stays. Its content type follows it, so permissions keep pointing at it."""

from django.db import migrations


def content_type_follows(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if ContentType.objects.filter(app_label="counters", model="dailycounter").exists():
        return
    ContentType.objects.filter(app_label="index", model="dailycounter").update(app_label="counters")


def content_type_returns(apps, schema_editor):
    ContentType = apps.get_model("contenttypes", "ContentType")
    if ContentType.objects.filter(app_label="index", model="dailycounter").exists():
        return
    ContentType.objects.filter(app_label="counters", model="dailycounter").update(app_label="index")


class Migration(migrations.Migration):
    dependencies = [
        ("contenttypes", "0002_remove_content_type_name"),
        ("index", "0003_payment_counters"),
        ("counters", "0001_dailycounter_from_index"),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[migrations.DeleteModel(name="DailyCounter")],
            database_operations=[],
        ),
        migrations.RunPython(content_type_follows, content_type_returns),
    ]
