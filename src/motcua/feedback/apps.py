from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class FeedbackConfig(AppConfig):
    name = "motcua.feedback"
    label = "feedback"
    verbose_name = _("Phản ánh, kiến nghị")

    def ready(self) -> None:
        # Registers the petitions' rebuild source with the counters and the `petition.notify`
        # outbox handler; neither imports this package.
        from motcua.feedback import metrics, notify  # noqa: F401
        from motcua.feedback.services import answer_days

        # A bad deadline setting stops the start instead of failing every submission later.
        answer_days()
