from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class NationalConfig(AppConfig):
    """National mode (domain.md §12.1): the provinces' keys, the receiver of their signed
    batches, the snapshot of every dossier, and the ranking of the 34 provinces."""

    name = "motcua.national"
    label = "national"
    verbose_name = _("Cổng DVC quốc gia")
