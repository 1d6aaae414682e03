from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DossiersConfig(AppConfig):
    name = "motcua.dossiers"
    label = "dossiers"
    verbose_name = _("Hồ sơ")

    def ready(self) -> None:
        # Registers the dossiers' rebuild source with the counters, which import no domain.
        from motcua.dossiers import metrics  # noqa: F401
