from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IndexConfig(AppConfig):
    name = "motcua.index"
    label = "index"
    verbose_name = _("Chỉ số phục vụ")

    def ready(self) -> None:
        from motcua.catalog import selectors
        from motcua.dossiers.lifecycle.transition import transition_follow
        from motcua.index.engine import catalog_token
        from motcua.index.steps import steps_follow

        # The catalog stamp moves with every write to the procedures and their agencies
        # (migration 0005), which is what a search page's ids depend on.
        selectors.search_token = catalog_token
        # A step move times the dossier's closed steps in the transition's transaction.
        transition_follow(steps_follow)
