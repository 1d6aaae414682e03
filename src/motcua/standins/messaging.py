"""The messaging platform's stand-in (a Zalo-Official-Account-like API), for the demo and the
tests. Its state is a folder under the var folder (`messaging/`: the sent messages as JSON
lines, the media files), shared by the process's workers.

- `POST /nhan-tin/v3.0/oa/message/cs` — send a text to a follower: header `Access-Token`
  (MOTCUA_MESSAGING_OA_TOKEN, else the demo's), `{"recipient": {"user_id"}, "message":
  {"text"}}`; answers `{"error": 0, "data": {"message_id"}}` like the platform (`error` ≠ 0 for a
  refusal). An `Idempotency-Key` already seen returns the first message's id and sends nothing.
- `GET /nhan-tin/hop-thu/?user_id=` — the messages sent to a follower (the demo's chat view
  and the tests' way to read them), oldest first.
- `POST /nhan-tin/media/` — keep the raw body as an image the platform hosts (what a
  follower's photo becomes), answers its `url`; `GET /nhan-tin/media/<name>` serves it.
- `GET|POST /nhan-tin/gui/` — a page playing a follower: the text typed is sent to the portal's
  webhook (MOTCUA_MESSAGING_WEBHOOK_URL) as a signed `user_send_text` event.
"""

from __future__ import annotations

import fcntl
import hashlib
import hmac
import html
import json
import os
import re
import secrets
import time
from pathlib import Path

import requests
from django.conf import settings
from django.http import FileResponse, Http404, HttpRequest, HttpResponse, JsonResponse
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods

DEMO_TOKEN = "demo-messaging-oa-token"
DEMO_SECRET = "demo-messaging-app-secret"
DEMO_APP_ID = "motcua-demo-oa"
_NAME = re.compile(r"[0-9a-f]{32}")


def _folder() -> Path:
    folder = Path(settings.VAR_DIR) / "messaging"
    (folder / "media").mkdir(parents=True, exist_ok=True)
    return folder


def _token() -> str:
    return os.environ.get("MOTCUA_MESSAGING_OA_TOKEN") or DEMO_TOKEN


def _error(code: int, message: str, status: int = 200) -> JsonResponse:
    return JsonResponse({"error": code, "message": message}, status=status)


def _sent() -> list[dict]:
    path = _folder() / "sent.jsonl"
    if not path.exists():
        return []
    return [json.loads(line) for line in path.read_text().splitlines() if line.strip()]


@csrf_exempt
@require_http_methods(["POST"])
def message_send(request: HttpRequest) -> HttpResponse:
    if not hmac.compare_digest(request.headers.get("Access-Token", "").encode(), _token().encode()):
        return _error(-216, "Access token is invalid")
    try:
        body = json.loads(request.body)
        user_id = body["recipient"]["user_id"]
        text = body["message"]["text"]
    except (ValueError, KeyError, TypeError):
        return _error(-201, "Parameters are invalid")
    if not isinstance(user_id, str) or not isinstance(text, str) or not text or len(text) > 2000:
        return _error(-201, "Parameters are invalid")
    key = request.headers.get("Idempotency-Key", "")[:200]
    with open(_folder() / "sent.jsonl", "a+") as log:
        fcntl.flock(log, fcntl.LOCK_EX)
        log.seek(0)
        for line in log.read().splitlines():
            earlier = json.loads(line)
            if key and earlier.get("key") == key:
                return JsonResponse(
                    {
                        "error": 0,
                        "message": "Success",
                        "data": {"message_id": earlier["message_id"]},
                    }
                )
        message_id = secrets.token_hex(8)
        log.write(
            json.dumps(
                {
                    "message_id": message_id,
                    "user_id": user_id,
                    "text": text,
                    "key": key,
                    "at": time.time(),
                },
                ensure_ascii=False,
            )
            + "\n"
        )
    return JsonResponse({"error": 0, "message": "Success", "data": {"message_id": message_id}})


@require_GET
def inbox(request: HttpRequest) -> HttpResponse:
    user_id = request.GET.get("user_id", "")
    return JsonResponse({"messages": [m for m in _sent() if m["user_id"] == user_id]})


@csrf_exempt
@require_http_methods(["POST"])
def media_upload(request: HttpRequest) -> HttpResponse:
    name = secrets.token_hex(16)
    (_folder() / "media" / name).write_bytes(request.body)
    return JsonResponse({"url": request.build_absolute_uri(f"/nhan-tin/media/{name}")})


@require_GET
def media_get(request: HttpRequest, name: str) -> FileResponse:
    path = _folder() / "media" / name
    if not _NAME.fullmatch(name) or not path.exists():
        raise Http404
    return FileResponse(path.open("rb"), content_type="application/octet-stream")


def event_post(*, follower_id: str, text: str) -> requests.Response:
    """Sign and post a follower's text to the portal's webhook, as the platform does."""
    body = json.dumps(
        {
            "app_id": os.environ.get("MOTCUA_MESSAGING_APP_ID") or DEMO_APP_ID,
            "event_name": "user_send_text",
            "event_id": secrets.token_hex(12),
            "timestamp": str(int(time.time() * 1000)),
            "sender": {"id": follower_id},
            "recipient": {"id": "oa"},
            "message": {"text": text, "msg_id": secrets.token_hex(8)},
        },
        ensure_ascii=False,
    ).encode()
    secret = (os.environ.get("MOTCUA_MESSAGING_APP_SECRET") or DEMO_SECRET).encode()
    return requests.post(
        os.environ.get(
            "MOTCUA_MESSAGING_WEBHOOK_URL", "http://127.0.0.1:8000/kenh-nhan-tin/webhook/"
        ),
        data=body,
        headers={
            "Content-Type": "application/json",
            "X-Event-Signature": "sha256=" + hmac.new(secret, body, hashlib.sha256).hexdigest(),
        },
        timeout=10,
    )


@csrf_exempt
@require_http_methods(["GET", "POST"])
def chat(request: HttpRequest) -> HttpResponse:
    """The demo's follower: type a message, see what the official account answered."""
    follower = (
        re.sub(
            r"[^A-Za-z0-9_-]",
            "",
            request.GET.get("user_id") or request.POST.get("user_id") or "demo-follower",
        )[:64]
        or "demo-follower"
    )
    note = ""
    if request.method == "POST" and request.POST.get("text", "").strip():
        try:
            answer = event_post(follower_id=follower, text=request.POST["text"][:2000])
            note = f"Cổng trả lời {answer.status_code}: {answer.text[:200]}"
        except requests.RequestException as error:
            note = f"Không gửi được tới cổng: {type(error).__name__}"
    rows = "".join(
        f"<li>{html.escape(m['text']).replace(chr(10), '<br>')}</li>"
        for m in _sent()
        if m["user_id"] == follower
    )
    page = f"""<!doctype html><html lang="vi"><head><meta charset="utf-8">
<title>Nhắn tin (mô phỏng)</title></head><body><main>
<h1>Kênh nhắn tin — mô phỏng người quan tâm “{html.escape(follower)}”</h1>
<p>{html.escape(note)}</p><h2>Tin nhắn từ tài khoản chính thức</h2><ol>{rows}</ol>
<form method="post"><input type="hidden" name="user_id" value="{html.escape(follower)}">
<label for="text">Tin nhắn</label> <input id="text" name="text" size="60">
<button type="submit">Gửi</button></form></main></body></html>"""
    return HttpResponse(page)
