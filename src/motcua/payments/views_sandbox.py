"""The sandbox gateway's hosted payment page. It stands for the gateway's own website, so it
asks for no sign-in; it exists only while a sandbox gateway is configured."""

from __future__ import annotations

from typing import Any

from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from motcua.core.errors import MotcuaError
from motcua.payments.gateways import gateway_get, gateway_names
from motcua.payments.sandbox import SandboxGateway


def _sandbox(name: str) -> SandboxGateway:
    if name not in gateway_names():
        raise Http404
    gateway = gateway_get(name)
    if not isinstance(gateway, SandboxGateway):
        raise Http404
    return gateway


@require_http_methods(["GET", "POST"])
def sandbox_page(request: HttpRequest, gateway: str) -> HttpResponse:
    sandbox = _sandbox(gateway)
    source = request.POST if request.method == "POST" else request.GET
    params = {k: str(source.get(k, "")) for k in source if k.startswith("sb_")}
    context: dict[str, Any] = {"gateway": sandbox, "params": params}
    try:
        if request.method == "POST":
            return redirect(sandbox.decide(params, request.POST.get("ket_qua", "")))
        order = sandbox.order_from(params, now=timezone.now())
    except MotcuaError as error:
        context["error"] = error.message
        return render(request, "payments/sandbox.html", context, status=400)
    context.update(order=order, amount=order.amount, info=params.get("sb_OrderInfo", ""))
    return render(request, "payments/sandbox.html", context)
