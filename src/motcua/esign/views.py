"""Public verification of e-results and the permission-checked download of a result."""

from __future__ import annotations

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET, require_http_methods

from motcua.core.errors import NotFound
from motcua.core.http import client_ip
from motcua.esign.forms import VerifyForm
from motcua.esign.models import SignedResult
from motcua.esign.services import result_for_download
from motcua.esign.verify import (
    VERIFY_WINDOW,
    TooManyVerifications,
    result_verify,
    verify_throttle,
)


def _verify(request: HttpRequest, record: SignedResult | None, token: str | None) -> HttpResponse:
    verdict = None
    status = 200
    refusal = None
    if request.method == "POST":
        form = VerifyForm(request.POST, request.FILES)
        if form.is_valid():
            try:
                verify_throttle(client_ip(request))
                verdict = result_verify(form.cleaned_data["file"].read(), token=token)
            except TooManyVerifications as error:
                refusal, status = error.message, error.status
        else:
            status = 400
    else:
        form = VerifyForm()
    response = render(
        request,
        "esign/verify.html",
        {"form": form, "verdict": verdict, "record": record, "token": token, "refusal": refusal},
        status=status,
    )
    if refusal:
        response["Retry-After"] = str(VERIFY_WINDOW)
    return response


@require_http_methods(["GET", "POST"])
def verify_page(request: HttpRequest) -> HttpResponse:
    """Anyone may upload a PDF and learn whether it is a valid result of this system."""
    return _verify(request, None, None)


@require_http_methods(["GET", "POST"])
def verify_token(request: HttpRequest, token: str) -> HttpResponse:
    """Where the QR code of a signed result leads: what the system recorded for it (no
    personal data beyond the document's own header), and a check of an uploaded copy."""
    record = (
        SignedResult.objects.select_related("agency", "signer", "document__dossier__procedure")
        .filter(token=token[:32])
        .first()
    )
    if record is None:
        return render(
            request,
            "esign/verify.html",
            {"form": VerifyForm(), "verdict": None, "record": None, "unknown_token": True},
            status=404,
        )
    return _verify(request, record, record.token)


@login_required
@require_GET
def download(request: HttpRequest, document_id: int) -> HttpResponse:
    try:
        document, data = result_for_download(actor=request.user, document_id=document_id)  # type: ignore[arg-type]
    except NotFound as error:
        raise Http404(error.message) from error
    response = HttpResponse(data, content_type=document.content_type)
    extension = {"application/pdf": "pdf", "image/jpeg": "jpg", "image/png": "png"}.get(
        document.content_type, "bin"
    )
    # The stored name may carry personal data or odd characters: the code names the file.
    response["Content-Disposition"] = (
        f'attachment; filename="ket-qua-{document.dossier.public_code}-{document.pk}.{extension}"'
    )
    response["Cache-Control"] = "private, no-store"
    return response
