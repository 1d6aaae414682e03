from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BallotsConfig(AppConfig):
    name = "motcua.ballots"
    label = "ballots"
    verbose_name = _("Phiếu lấy ý kiến thành viên UBND")

    def ready(self) -> None:
        # The `ballot.notify` outbox handler.
        import motcua.ballots.notify  # noqa: F401
