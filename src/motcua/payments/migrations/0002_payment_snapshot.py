from django.db import migrations, models

from motcua.payments.backfills import payment_snapshot_backfill


def forwards(apps, schema_editor):
    payment_snapshot_backfill(apps)


class Migration(migrations.Migration):
    dependencies = [("payments", "0001_initial")]

    operations = [
        migrations.AddField(
            model_name="payment",
            name="agency_code",
            field=models.CharField(default="", max_length=64, verbose_name="mã cơ quan thu"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="payment",
            name="agency_name",
            field=models.CharField(default="", max_length=255, verbose_name="cơ quan thu"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="payment",
            name="procedure_code",
            field=models.CharField(default="", max_length=32, verbose_name="mã thủ tục"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="payment",
            name="procedure_name",
            field=models.CharField(default="", max_length=500, verbose_name="tên thủ tục"),
            preserve_default=False,
        ),
        migrations.AddField(
            model_name="payment",
            name="payer_name",
            field=models.CharField(default="", max_length=255, verbose_name="người nộp"),
            preserve_default=False,
        ),
        migrations.AlterField(
            model_name="notification",
            name="outcome",
            field=models.CharField(
                choices=[
                    ("confirmed", "Đã ghi nhận"),
                    ("already", "Đã xử lý trước đó"),
                    ("not_found", "Không có giao dịch"),
                    ("bad_amount", "Sai số tiền"),
                    ("bad_signature", "Sai chữ ký"),
                    ("invalid", "Thông báo không hợp lệ"),
                ],
                max_length=16,
                verbose_name="kết quả",
            ),
        ),
        migrations.RunPython(forwards, migrations.RunPython.noop, elidable=True),
    ]
