"""The sync's administration page, mounted at /mot-cua/dong-bo/ (before the office's own
URLs, which would read "dong-bo" as a dossier code)."""

from django.urls import path

from motcua.sync import views

app_name = "sync"
urlpatterns = [
    path("", views.overview, name="overview"),
    path("gui-lai/", views.resend, name="resend"),
]
