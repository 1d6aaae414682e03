from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SyncConfig(AppConfig):
    """The province's side of the national connection (domain.md §12.1): keys, signed
    batches sent from the outbox, and what the administrator sees of them."""

    name = "motcua.sync"
    label = "sync"
    verbose_name = _("Đồng bộ Cổng DVC quốc gia")

    def ready(self) -> None:
        # Registers the `national.sync` batch handler: every deployment has it, connected or
        # not (unconfigured, it holds the messages), since writing a topic nobody handles
        # is refused.
        from motcua.sync import sender  # noqa: F401
