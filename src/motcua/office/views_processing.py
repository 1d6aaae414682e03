"""Specialists' and approvers' work queue, dossier actions, apology, the agency's day."""

from django.urls import URLPattern

urlpatterns: list[URLPattern] = []
