"""Which earlier results may stand in for a required document, and e-form fields that say
whose data they hold.

Published e-forms used `source` ("registry.full_name", "user.phone", "store.<field name>")
to prefill by field name; prefill now keys on the field's `subject` and `meaning`. The
registry and account sources always meant the applicant's own data, so they become
(`applicant`, key); a `store.` source cannot say whose data it was (that is the defect), so it
is dropped and the field is no longer prefilled until the catalog declares its subject.
"""

from django.db import migrations, models


def _convert(eform):
    fields = (eform or {}).get("ui", {}).get("fields")
    if not isinstance(fields, dict):
        return False
    changed = False
    for hint in fields.values():
        if not isinstance(hint, dict) or "source" not in hint:
            continue
        source = hint.pop("source")
        changed = True
        first = source if isinstance(source, str) else next(iter(source or []), "")
        kind, _dot, key = str(first).partition(".")
        if kind in ("registry", "user") and key and "subject" not in hint:
            hint["subject"], hint["meaning"] = "applicant", key
    return changed


def eforms_declare_subjects(apps, schema_editor):
    Procedure = apps.get_model("catalog", "Procedure")
    for procedure in Procedure.objects.exclude(eform=None).only("pk", "eform"):
        if _convert(procedure.eform):
            Procedure.objects.filter(pk=procedure.pk).update(eform=procedure.eform)


class Migration(migrations.Migration):
    dependencies = [
        ("catalog", "0003_procedure_eform_checked"),
    ]

    operations = [
        migrations.AddField(
            model_name="requireddocument",
            name="accepts_results_of",
            field=models.JSONField(
                blank=True,
                default=list,
                help_text=(
                    "Mã các thủ tục mà kết quả đã cấp dùng thay được giấy tờ này (kho dữ liệu "
                    'của công dân), ví dụ ["1.001193"]. Để trống: không dùng lại kết quả nào.'
                ),
                verbose_name="dùng được kết quả của thủ tục",
            ),
        ),
        migrations.RunPython(eforms_declare_subjects, migrations.RunPython.noop),
    ]
