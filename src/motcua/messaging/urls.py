"""The messaging channel: the platform's webhook at /kenh-nhan-tin/webhook/ and the citizen's
page at /tai-khoan/kenh-nhan-tin/ (both mounted in motcua.urls)."""

from django.urls import path

from motcua.messaging import views

app_name = "messaging"
urlpatterns = [
    path("kenh-nhan-tin/webhook/", views.webhook, name="webhook"),
    path("tai-khoan/kenh-nhan-tin/", views.link_page, name="link"),
    path("tai-khoan/kenh-nhan-tin/huy/", views.unlink, name="unlink"),
]
