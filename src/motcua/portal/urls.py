from django.urls import path

from motcua.portal import urls_account, urls_apply, views

app_name = "portal"
urlpatterns = [
    path("", views.home, name="home"),
    path("thu-tuc/<str:code>/", views.procedure_detail, name="procedure"),
    path(
        "thu-tuc/<str:code>/mau/<int:document_id>.pdf",
        views.blank_declaration,
        name="blank_declaration",
    ),
    path(
        "thu-tuc/<str:code>/mau/<int:document_id>/",
        views.document_template,
        name="document_template",
    ),
    path("tra-cuu/", views.tracking_lookup, name="tracking_lookup"),
    path("tra-cuu/<str:code>/", views.tracking, name="tracking"),
    path("ho-so/<str:code>/van-ban/<str:kind>.pdf", views.letter, name="letter"),
]
# Citizen accounts and "my dossiers" (urls_account), applying online (urls_apply).
urlpatterns += urls_account.urlpatterns + urls_apply.urlpatterns
