"""Load the 34 provinces and 3,321 communes in force since 1 July 2025 (vietnam-provinces)."""

from django.db import migrations


def load(apps, schema_editor):
    from vietnam_provinces import Province, Ward

    Division = apps.get_model("directory", "Division")
    provinces = {}
    for province in Province.iter_all():
        division, _ = Division.objects.update_or_create(
            code=f"{province.code.value:02d}",
            defaults={"name": province.name, "kind": province.division_type.name.lower()},
        )
        provinces[province.code.value] = division
    existing = set(Division.objects.values_list("code", flat=True))
    Division.objects.bulk_create(
        [
            Division(
                code=f"{ward.code.value:05d}",
                name=ward.name,
                kind=ward.division_type.name.lower(),
                parent=provinces[ward.province_code.value],
            )
            for ward in Ward.iter_all()
            if f"{ward.code.value:05d}" not in existing
        ],
        batch_size=1000,
    )


class Migration(migrations.Migration):
    dependencies = [("directory", "0001_initial")]
    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
