from django.urls import include, path

from motcua.standins import vneid

urlpatterns = [
    path("vneid/dang-nhap/", vneid.SignInView.as_view(), name="vneid-sign-in"),
    path("vneid/o/", include("oauth2_provider.urls", namespace="oauth2_provider")),
    path("", include("motcua.standins.urls_registries")),
    path("", include("motcua.standins.urls_messaging")),
    path("", include("motcua.standins.urls_docexchange")),
]
