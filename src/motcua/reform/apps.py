from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ReformConfig(AppConfig):
    name = "motcua.reform"
    label = "reform"
    verbose_name = _("Nhiệm vụ cải cách hành chính")
