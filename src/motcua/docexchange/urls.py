"""The document exchange's routes: the clerk's pages under /mot-cua/van-ban/ (mounted before
the office's own, which would read "van-ban" as a dossier code) and the inbound endpoint the
document-management service posts envelopes to."""

from django.urls import path

from motcua.docexchange import views

app_name = "docexchange"
urlpatterns = [
    path("truc-van-ban/den/", views.inbound, name="inbound"),
    path("mot-cua/van-ban/", views.queue, name="queue"),
    path("mot-cua/van-ban/<int:pk>/gan-ho-so/", views.attach, name="attach"),
    path("mot-cua/van-ban/<int:pk>/loai/", views.dismiss, name="dismiss"),
    path("mot-cua/van-ban/<int:pk>/tep/<int:index>/", views.attachment, name="attachment"),
    path("mot-cua/van-ban/ho-so/<str:code>/phat-hanh/", views.issue, name="issue"),
    path("mot-cua/van-ban/ho-so/<str:code>/xin-y-kien/", views.consult, name="consult"),
]
