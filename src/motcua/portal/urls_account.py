"""Citizens' accounts and “Hồ sơ của tôi”, joined into motcua.portal.urls. The sign-in page
itself is mounted at /dang-nhap/ in motcua.urls (URL name "login")."""

from django.urls import URLPattern, path

from motcua.portal import views_account, views_mine

urlpatterns: list[URLPattern] = [
    path("dang-ky/", views_account.sign_up, name="signup"),
    # The second step of signing in (the page "login" is /dang-nhap/ itself, motcua.urls).
    path("dang-nhap/ma-xac-thuc/", views_account.second_factor, name="second_factor"),
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
]
