from django.apps import AppConfig


class PaymentsConfig(AppConfig):
    name = "motcua.payments"
    verbose_name = "Thanh toán trực tuyến"

    def ready(self) -> None:
        # Registers the outbox handler of the sandbox gateway's IPN.
        from motcua.payments import tasks  # noqa: F401
