from django.apps import AppConfig


class NotificationsConfig(AppConfig):
    name = "motcua.notifications"
    verbose_name = "Thông báo"

    def ready(self) -> None:
        # Registers the `dossier.notify` outbox handler.
        from motcua.notifications import services  # noqa: F401
