"""The index definition of domain.md §7 as version 1, in force from the start."""

from django.db import migrations


def create(apps, schema_editor):
    from motcua.index.definition import DEFAULT_SPEC, DEFAULT_VALID_FROM

    IndexDefinition = apps.get_model("index", "IndexDefinition")
    IndexDefinition.objects.get_or_create(
        version="766-2022",
        defaults={
            "valid_from": DEFAULT_VALID_FROM,
            "title": "Bộ chỉ số theo Quyết định 766/QĐ-TTg (theo cách Cổng DVC quốc gia tính)",
            "spec": DEFAULT_SPEC,
        },
    )


class Migration(migrations.Migration):
    dependencies = [("index", "0001_initial")]
    operations = [migrations.RunPython(create, migrations.RunPython.noop)]
