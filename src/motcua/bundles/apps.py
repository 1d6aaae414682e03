from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class BundlesConfig(AppConfig):
    name = "motcua.bundles"
    label = "bundles"
    verbose_name = _("Thủ tục liên thông")

    def ready(self) -> None:
        # The `bundle.notify` outbox handler.
        import motcua.bundles.notify  # noqa: F401
