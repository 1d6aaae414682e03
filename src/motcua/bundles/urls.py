"""`/lien-thong/`: bundles of procedures applied for together (views.py)."""

from django.urls import path

from motcua.bundles import views

app_name = "bundles"

urlpatterns = [
    path("", views.bundle_list, name="list"),
    path("tra-cuu/", views.bundle_track, name="track"),
    path("tra-cuu/<str:code>/", views.bundle_track_code, name="track_code"),
    path("tra-cuu/<str:code>/thanh-toan/", views.bundle_pay, name="pay"),
    path("<slug:code>/", views.bundle_detail, name="detail"),
    path("<slug:code>/nop/", views.bundle_apply_page, name="apply"),
]
