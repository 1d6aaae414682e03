from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class SyncConfig(AppConfig):
    """The province's side of the national connection (domain.md §12.1): keys, signed
    batches sent from the outbox, and what the administrator sees of them."""

    name = "motcua.sync"
    label = "sync"
    verbose_name = _("Đồng bộ Cổng DVC quốc gia")
