"""“Kho dữ liệu của tôi”: the citizen's personal data store (`dossiers.store`) — list,
download, remove. Only the owner reaches an entry; anyone else, staff included, gets the
same 404 whether it exists or not (officers see files through the dossiers they handle)."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.http.response import HttpResponseBase
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from motcua.core.downloads import upload_response
from motcua.core.errors import MotcuaError, NotFound
from motcua.directory.models import User
from motcua.dossiers.models import StoredDocument
from motcua.dossiers.store import store_entries_of, store_entry_get_for_owner, store_remove

PAGE_SIZE = 20


def _entry(request: HttpRequest, entry_id: int) -> tuple[User, StoredDocument]:
    user = cast(User, request.user)
    try:
        return user, store_entry_get_for_owner(user, entry_id)
    except NotFound as error:
        raise Http404(error.message) from error


@login_required
def store_list(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    entries = store_entries_of(user.personal_id or "")
    page = Paginator(entries, PAGE_SIZE).get_page(request.GET.get("trang"))
    return render(request, "portal/store_list.html", {"page": page, "entries": page.object_list})


@login_required
def store_download(request: HttpRequest, entry_id: int) -> HttpResponseBase:
    _user, entry = _entry(request, entry_id)
    document = entry.source
    try:
        handle = document.file.open("rb")
    except OSError as error:
        raise Http404(_("Không tìm thấy giấy tờ này trong kho dữ liệu của bạn.")) from error
    return upload_response(handle, content_type=document.content_type, filename=document.name)


@login_required
@require_http_methods(["GET", "POST"])
def store_delete(request: HttpRequest, entry_id: int) -> HttpResponse:
    user, entry = _entry(request, entry_id)
    if request.method == "GET":
        return render(request, "portal/store_confirm_delete.html", {"entry": entry})
    try:
        store_remove(actor=user, stored=entry)
    except MotcuaError as error:
        raise Http404(error.message) from error
    messages.success(
        request, _("Đã xóa “%(title)s” khỏi kho dữ liệu của bạn.") % {"title": entry.title}
    )
    return redirect("portal:store_list")
