"""The document-management service's stand-in (hệ thống quản lý văn bản of another organ, on
the document exchange axis), for the demo and the tests. It reads and writes the envelopes of
`motcua.docexchange.envelope` — the very format the portal uses. Its state is a folder under
the var folder (`docexchange/`: the received envelopes as JSON lines, its signing key).

- `POST /van-ban/nhan/` — receive an envelope (application/xml): checked (size, no DTD, shape,
  attachment hashes) and, when `docexchange/sender_public.pem` holds the province's public key,
  its signature; kept once per envelope id: the same envelope again answers the first receipt.
- `GET /van-ban/da-nhan/` — what it received, oldest first (the tests' way to read it).
- `GET /van-ban/khoa/` — the organ it plays and its Ed25519 public key (to register it as a
  peer: `motcua docexchange_peer add`).
- `POST /van-ban/gui/` — send a letter to the portal (MOTCUA_DOCEXCHANGE_INBOUND_URL) signed
  with its key: JSON `{"to", "number", "notation", "subject", "response_organ",
  "response_code"}`; answers the portal's status and body.
"""

from __future__ import annotations

import fcntl
import json
import os
import uuid
from datetime import date
from pathlib import Path

import requests
from django.conf import settings
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils import timezone
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_POST
from joserfc.jwk import OKPKey

from motcua.docexchange.envelope import (
    CONTENT_TYPE,
    MAX_ENVELOPE_BYTES,
    EnvelopeRefused,
    Letter,
    envelope_build,
    envelope_parse,
    public_key_load,
    signature_verify,
)
from motcua.standins.keys import _private_file

ORGAN_CODE = "000.00.12.H46"
ORGAN_NAME = "Sở Tư pháp (hệ thống quản lý văn bản mô phỏng)"


def docexchange_folder() -> Path:
    folder = Path(settings.VAR_DIR) / "docexchange"
    folder.mkdir(parents=True, exist_ok=True)
    return folder


def standin_key() -> OKPKey:
    pem = _private_file(
        docexchange_folder() / "standin_key.pem",
        lambda: OKPKey.generate_key("Ed25519").as_pem(private=True),
    )
    return OKPKey.import_key(pem.encode())


def _refused(code: str, message: str, status: int = 400) -> JsonResponse:
    return JsonResponse({"code": code, "message": message}, status=status)


@csrf_exempt
@require_POST
def receive(request: HttpRequest) -> HttpResponse:
    body = request.read(MAX_ENVELOPE_BYTES + 1)
    try:
        letter, signature, signed = envelope_parse(body)
    except EnvelopeRefused as refused:
        status = 413 if refused.code == "too_large" else 400
        return _refused(refused.code, refused.message, status)
    sender_key = docexchange_folder() / "sender_public.pem"
    if sender_key.exists() and not signature_verify(
        signature, signed, public_key_load(sender_key.read_bytes())
    ):
        return _refused("bad_signature", "Chữ ký của phong bì văn bản không hợp lệ.")
    receipt = f"R-{letter.envelope_id}"
    with open(docexchange_folder() / "received.jsonl", "a+") as log:
        fcntl.flock(log, fcntl.LOCK_EX)
        log.seek(0)
        for line in log.read().splitlines():
            if line.strip() and json.loads(line)["envelope_id"] == letter.envelope_id:
                return JsonResponse({"receipt": receipt, "duplicate": True})
        entry = {
            "envelope_id": letter.envelope_id,
            "receipt": receipt,
            "from": letter.sender_code,
            "to": list(letter.recipients),
            "code": letter.code,
            "type": letter.doc_type,
            "subject": letter.subject,
            "signer": letter.signer_name,
            "attachments": [a.name for a in letter.attachments],
            "at": timezone.now().isoformat(),
        }
        log.write(json.dumps(entry, ensure_ascii=False) + "\n")
    return JsonResponse({"receipt": receipt, "duplicate": False})


@require_GET
def received(request: HttpRequest) -> HttpResponse:
    path = docexchange_folder() / "received.jsonl"
    lines = path.read_text().splitlines() if path.exists() else []
    return JsonResponse({"received": [json.loads(line) for line in lines if line.strip()]})


@require_GET
def public_key(request: HttpRequest) -> HttpResponse:
    return JsonResponse(
        {
            "code": ORGAN_CODE,
            "name": ORGAN_NAME,
            "public_key": standin_key().as_pem(private=False).decode(),
        }
    )


@csrf_exempt
@require_POST
def send(request: HttpRequest) -> HttpResponse:
    target = os.environ.get("MOTCUA_DOCEXCHANGE_INBOUND_URL", "")
    if not target:
        return _refused("not_configured", "MOTCUA_DOCEXCHANGE_INBOUND_URL is not set", 503)
    try:
        asked = json.loads(request.body)
        letter = Letter(
            envelope_id=str(asked.get("envelope_id") or uuid.uuid4()),
            sender_code=ORGAN_CODE,
            sender_name=ORGAN_NAME,
            recipients=(str(asked["to"]),),
            number=int(asked.get("number", 1)),
            notation=str(asked.get("notation", "STP-VP")),
            issued_on=date.fromisoformat(asked.get("issued_on") or date.today().isoformat()),
            doc_type=str(asked.get("type", "Công văn")),
            subject=str(asked["subject"]),
            signer_name=str(asked.get("signer", "Nguyễn Văn Giám Đốc")),
            signer_position=str(asked.get("position", "Giám đốc")),
            response_organ=str(asked.get("response_organ", "")),
            response_code=str(asked.get("response_code", "")),
        )
    except (ValueError, KeyError, TypeError, AttributeError):
        return _refused("invalid", "to, subject are required; number is an integer")
    answer = requests.post(
        target,
        data=envelope_build(letter, key=standin_key()),
        headers={"Content-Type": CONTENT_TYPE},
        timeout=10,
    )
    try:
        body = answer.json()
    except ValueError:
        body = {"raw": answer.text[:500]}
    return JsonResponse({"status": answer.status_code, "answer": body})
