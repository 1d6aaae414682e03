"""Specialists' and approvers' work queue, dossier actions, apology, the agency's day.

Each view parses its input, calls one service or selector and renders. Anonymous people are
sent to sign in; a refusal is a 403 page, a dossier the user may not read a 404 (the same
answer whether it exists or not, so codes cannot be probed), bad input a 400 page with a
Vietnamese message, a stale screen a 409 — never a 500.
"""

from django.urls import URLPattern, path

# Modules, not their views: a view named like its module would hide the module.
from motcua.office.processing import declaration as _declaration
from motcua.office.processing import dossier as _dossier
from motcua.office.processing import queue as _queue
from motcua.office.processing import today as _today

urlpatterns: list[URLPattern] = [
    path("xu-ly/", _queue.queue, name="processing_queue"),
    path("xu-ly/<str:code>/", _dossier.dossier_page, name="processing_dossier"),
    path("xu-ly/<str:code>/<slug:action>/", _dossier.act, name="processing_action"),
    path("hom-nay/", _today.today, name="today"),
    path(
        "ho-so/<str:code>/to-khai.pdf",
        _declaration.declaration_download,
        name="declaration_pdf",
    ),
]
