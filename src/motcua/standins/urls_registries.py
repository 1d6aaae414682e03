"""The registries' HTTP services (population, business): `standins/registries.py`."""

from django.urls import path

from motcua.standins import registries

urlpatterns = [
    path("dan-cu/api/v1/cong-dan/tra-cuu", registries.citizen_lookup, name="registry-citizen"),
    path(
        "dkkd/api/v1/doanh-nghiep/<str:code>",
        registries.enterprise_lookup,
        name="registry-enterprise",
    ),
]
