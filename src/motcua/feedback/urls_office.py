"""Officers' petition pages, mounted at /mot-cua/phan-anh/ (before the office's own URLs)."""

from django.urls import path

from motcua.feedback import views_office

app_name = "feedback_office"
urlpatterns = [
    path("", views_office.queue, name="queue"),
    path("<str:reference>/", views_office.detail, name="detail"),
    path("<str:reference>/tra-loi/", views_office.answer, name="answer"),
    path("<str:reference>/anh/<int:photo_id>/", views_office.photo, name="photo"),
    path("<str:reference>/tu-choi/", views_office.reject, name="reject"),
]
