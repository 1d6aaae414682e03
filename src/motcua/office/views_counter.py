"""The one-stop counter: queue, walk-ins, completeness check, receipt, digitisation, return."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
