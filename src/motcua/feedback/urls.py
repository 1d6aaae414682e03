"""Citizens' petition pages, mounted at /phan-anh/ (staff pages: `urls_office`)."""

from django.urls import path

from motcua.feedback import views_citizen

app_name = "feedback"
urlpatterns = [
    path("gui/", views_citizen.submit, name="submit"),
    path("cong-khai/", views_citizen.public, name="public"),
    path("cua-toi/", views_citizen.mine, name="mine"),
    path("cua-toi/<str:reference>/", views_citizen.mine_detail, name="mine_detail"),
    path("cua-toi/<str:reference>/danh-gia/", views_citizen.mine_rate, name="mine_rate"),
    path(
        "cua-toi/<str:reference>/anh/<int:photo_id>/", views_citizen.mine_photo, name="mine_photo"
    ),
]
