from django.apps import AppConfig


class MessagingConfig(AppConfig):
    name = "motcua.messaging"
    label = "messaging"
    verbose_name = "Kênh nhắn tin"

    def ready(self) -> None:
        # The notification channel and the reply topic register with the outbox.
        from motcua.messaging import channel  # noqa: F401
