from django.urls import path

from motcua.esign import views

app_name = "esign"
urlpatterns = [
    path("xac-thuc/", views.verify_page, name="verify"),
    path("xac-thuc/<str:token>/", views.verify_token, name="verify_token"),
    path("<int:document_id>/tai-ve/", views.download, name="download"),
]
