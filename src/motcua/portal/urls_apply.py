"""Portal routes of one area, joined into motcua.portal.urls."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
