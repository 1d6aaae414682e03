"""Procedure names stored under the search key that forgives spelling variants (`kí`/`ký`,
`qui`/`quy`, punctuation between words): `Procedure.save` writes it for new and renamed
procedures, this rewrites the ones saved before. It reads the key from `core.text`, so a
later change of the key is applied the same way, by a migration that runs this again."""

from django.db import migrations

from motcua.core.text import fold, search_fold


def _refold(apps, key) -> None:
    procedure_model = apps.get_model("catalog", "Procedure")
    changed = []
    for procedure in procedure_model.objects.only("pk", "name", "name_folded").iterator():
        folded = key(procedure.name)
        if procedure.name_folded != folded:
            procedure.name_folded = folded
            changed.append(procedure)
    procedure_model.objects.bulk_update(changed, ["name_folded"], batch_size=500)


def forwards(apps, schema_editor):
    _refold(apps, search_fold)


def backwards(apps, schema_editor):
    _refold(apps, fold)


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0004_feeline_alternatives"),
        ("catalog", "0004_document_results_and_eform_subjects"),
    ]

    operations = [migrations.RunPython(forwards, backwards, elidable=True)]
