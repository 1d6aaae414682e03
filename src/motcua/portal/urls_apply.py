"""Applying online and answering supplement requests (joined into motcua.portal.urls)."""

from django.urls import URLPattern, path

from motcua.portal import views_apply, views_supplement

urlpatterns: list[URLPattern] = [
    path("thu-tuc/<str:code>/nop/", views_apply.apply_start, name="apply"),
    path("nop-ho-so/<str:reference>/", views_apply.apply_draft, name="apply_draft"),
    path("nop-ho-so/<str:reference>/da-nop/", views_apply.apply_done, name="apply_done"),
    path("nop-bo-sung/<str:reference>/", views_supplement.supplement, name="supplement"),
]
