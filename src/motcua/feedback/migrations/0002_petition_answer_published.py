"""The answering officer decides whether a consented answer is published.

Answers given before this step were never reviewed for names in them, so they start
unpublished (the default) rather than being carried over as published."""

from django.db import migrations, models


class Migration(migrations.Migration):
    dependencies = [
        ("feedback", "0001_petitions"),
    ]

    operations = [
        migrations.RemoveIndex(
            model_name="petition",
            name="petition_public",
        ),
        migrations.AddField(
            model_name="petition",
            name="answer_published",
            field=models.BooleanField(
                default=False, editable=False, verbose_name="công khai câu trả lời"
            ),
        ),
        migrations.AddIndex(
            model_name="petition",
            index=models.Index(fields=["answer_published", "-answered_at"], name="petition_public"),
        ),
        migrations.AddConstraint(
            model_name="petition",
            constraint=models.CheckConstraint(
                condition=models.Q(("answer_published", False))
                | models.Q(
                    ("answer_published", True), ("publish_consent", True), ("state", "answered")
                ),
                name="petition_published_answer_consented",
            ),
        ),
    ]
