"""Drill-down from an indicator to dossiers and officers, and early warnings."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
