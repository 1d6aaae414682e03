from django.apps import AppConfig


class DocexchangeConfig(AppConfig):
    name = "motcua.docexchange"
    label = "docexchange"
    verbose_name = "Liên thông văn bản"

    def ready(self) -> None:
        from motcua.docexchange import delivery  # noqa: F401 - registers the outbox handler
