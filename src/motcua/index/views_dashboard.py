"""Index dashboard, ranking, exports and the public index page (routes filled in here)."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
