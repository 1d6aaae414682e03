from django.apps import AppConfig


class EsignConfig(AppConfig):
    name = "motcua.esign"
    verbose_name = "Kết quả điện tử và chữ ký số"
