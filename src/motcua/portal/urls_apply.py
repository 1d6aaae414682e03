"""Applying online and answering supplement requests (joined into motcua.portal.urls)."""

from django.urls import URLPattern, path

from motcua.portal import views_apply, views_lookup, views_supplement

urlpatterns: list[URLPattern] = [
    path("thu-tuc/<str:code>/nop/", views_apply.apply_start, name="apply"),
    # Before the draft's route, which would take these for a reference.
    path("nop-ho-so/doanh-nghiep/", views_lookup.business_lookup, name="business_lookup"),
    path(
        "nop-ho-so/nguoi-ket-hon-cung/",
        views_lookup.partner_lookup_view,
        name="partner_lookup",
    ),
    path("nop-ho-so/<str:reference>/", views_apply.apply_draft, name="apply_draft"),
    path("nop-ho-so/<str:reference>/da-nop/", views_apply.apply_done, name="apply_done"),
    path("nop-bo-sung/<str:reference>/", views_supplement.supplement, name="supplement"),
]
