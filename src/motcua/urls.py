from django.contrib import admin
from django.contrib.auth import views as auth_views
from django.http import HttpRequest, HttpResponse, HttpResponsePermanentRedirect, JsonResponse
from django.templatetags.static import static
from django.urls import include, path
from django.views.decorators.cache import cache_control
from django.views.defaults import page_not_found

from motcua.api import api
from motcua.core.health import healthz
from motcua.core.http import bad_request
from motcua.core.metrics import metrics_view
from motcua.portal import views_account as portal_account_views

admin.site.site_header = "motcua — Quản trị hệ thống"
admin.site.site_title = "motcua"
admin.site.index_title = "Quản trị"
admin.site.index_template = "sync/admin_index.html"
# The admin's login form would check passwords without the lockout (portal.lockout).
admin.site.login = portal_account_views.admin_sign_in  # type: ignore[assignment,method-assign]


@cache_control(max_age=86400, public=True)
def favicon(request: HttpRequest) -> HttpResponse:
    """Browsers ask for /favicon.ico whatever the page says; the file itself has a hashed name."""
    return HttpResponsePermanentRedirect(static("motcua/favicon.ico"))


urlpatterns = [
    path("healthz", healthz, name="healthz"),
    path("metrics", metrics_view, name="metrics"),
    path("favicon.ico", favicon, name="favicon"),
    path("admin/", admin.site.urls),
    path("api/v1/", api.urls),
    path("dang-nhap/", portal_account_views.sign_in, name="login"),
    path("dang-xuat/", auth_views.LogoutView.as_view(), name="logout"),
    path("chi-so/", include("motcua.index.urls")),
    path("cai-cach/", include("motcua.reform.views")),
    path("phieu-y-kien/", include("motcua.ballots.views")),
    path("gop-y/", include("motcua.consultation.urls")),
    path("lien-thong/", include("motcua.bundles.urls")),
    # Before the office's own routes, which would otherwise read "phan-anh" as a dossier code.
    path("mot-cua/phan-anh/", include("motcua.feedback.urls_office")),
    path("mot-cua/dong-bo/", include("motcua.sync.urls")),
    path("", include("motcua.docexchange.urls")),  # /mot-cua/van-ban/, /truc-van-ban/
    path("mot-cua/", include("motcua.office.urls")),
    path("phan-anh/", include("motcua.feedback.urls")),
    path("thong-bao/", include("motcua.notifications.urls")),
    # The messaging channel: its webhook and the account's page (before the portal's routes).
    path("", include("motcua.messaging.urls")),
    path("thanh-toan/", include("motcua.payments.urls")),
    path("ket-qua/", include("motcua.esign.urls")),
    path("quoc-gia/", include("motcua.national.views")),  # answers in national mode only
    path("", include("motcua.portal.urls")),
]


def not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    """Under /api/ even an unknown path answers in the API's error shape (§11)."""
    if request.path.startswith("/api/"):
        return JsonResponse(
            {"code": "not_found", "message": "Không tìm thấy địa chỉ này.", "fields": {}},
            status=404,
        )
    return page_not_found(request, exception)


handler404 = not_found
handler400 = bad_request
