from django.urls import path

from motcua.portal import views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("thu-tuc/<str:code>/", views.procedure_detail, name="procedure"),
    path("tra-cuu/", views.tracking_lookup, name="tracking_lookup"),
    path("tra-cuu/<str:code>/", views.tracking, name="tracking"),
    path("ho-so/<str:code>/van-ban/<str:kind>.pdf", views.letter, name="letter"),
]
