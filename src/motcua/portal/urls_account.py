"""Citizens' accounts and “Hồ sơ của tôi”, joined into motcua.portal.urls. The sign-in page
itself is mounted at /dang-nhap/ in motcua.urls (URL name "login")."""

from django.urls import URLPattern, path

from motcua.portal import views_account, views_mine, views_store, views_vneid

urlpatterns: list[URLPattern] = [
    path("dang-ky/", views_account.sign_up, name="signup"),
    # The second step of signing in (the page "login" is /dang-nhap/ itself, motcua.urls).
    path("dang-nhap/ma-xac-thuc/", views_account.second_factor, name="second_factor"),
    path("dang-nhap/vneid/", views_vneid.vneid_start, name="vneid_start"),
    path("dang-nhap/vneid/xong/", views_vneid.vneid_callback, name="vneid_callback"),
    path("sau-dang-nhap/", views_account.landing, name="landing"),
    path("ho-so-cua-toi/", views_mine.mine, name="mine"),
    path("ho-so-cua-toi/<str:code>/", views_mine.mine_detail, name="mine_detail"),
    path("ho-so-cua-toi/<str:code>/rut/", views_mine.mine_withdraw, name="mine_withdraw"),
    path("ho-so-cua-toi/<str:code>/danh-gia/", views_mine.mine_rate, name="mine_rate"),
    path(
        "ho-so-cua-toi/<str:code>/tai-lieu/<int:document_id>/",
        views_mine.mine_document,
        name="mine_document",
    ),
    path("kho-du-lieu/", views_store.store_list, name="store_list"),
    path("kho-du-lieu/<int:entry_id>/tai-ve/", views_store.store_download, name="store_download"),
    path("kho-du-lieu/<int:entry_id>/xoa/", views_store.store_delete, name="store_delete"),
]
