from django.apps import AppConfig


class StandinsConfig(AppConfig):
    name = "motcua.standins"
    label = "standins"
    verbose_name = "Dịch vụ mô phỏng (VNeID, CSDL dân cư)"
