"""A fake national instance on loopback for the sender's tests: it verifies each batch's
signature with the province's public key (joserfc), keeps the latest version per dossier and
answers as §12.1 says — duplicates by message id, stale by version, rejections by dossier
code on demand — or fails the whole batch with a status the test chooses."""

from __future__ import annotations

import json
import threading
import warnings
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from django.test import override_settings
from joserfc import jws
from joserfc.jwk import OKPKey

from motcua.sync.keys import sync_keygen

PROVINCE = "46"
# joserfc refuses payloads over 128,000 bytes by default; a §12.1 batch may reach 5 MiB.
REGISTRY = jws.JWSRegistry(algorithms=["EdDSA"])
REGISTRY.max_payload_length = 5 * 1024 * 1024


@dataclass
class FakeNational:
    public_key: OKPKey
    url: str = ""
    fail_with: int | None = None  # answer every batch with this HTTP status
    reject_codes: dict[str, str] = field(default_factory=dict)  # dossier code → reason
    batches: list[dict[str, Any]] = field(default_factory=list)
    headers: list[dict[str, Any]] = field(default_factory=list)
    content_types: list[str] = field(default_factory=list)
    bodies: list[bytes] = field(default_factory=list)
    seen: set[str] = field(default_factory=set)
    stored: dict[str, int] = field(default_factory=dict)
    applied: list[tuple[str, int]] = field(default_factory=list)

    def answer(self, body: bytes) -> tuple[int, dict[str, Any]]:
        self.bodies.append(body)
        if self.fail_with is not None:
            return self.fail_with, {"code": "down", "message": "Tạm ngừng", "fields": {}}
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            try:
                token = jws.deserialize_compact(body, self.public_key, registry=REGISTRY)
            except Exception:
                return 401, {"code": "bad_signature", "message": "Sai chữ ký", "fields": {}}
        self.headers.append(dict(token.protected))
        payload = json.loads(token.payload)
        self.batches.append(payload)
        counts = {"accepted": 0, "duplicates": 0, "stale": 0, "rejected": []}
        for message in payload["messages"]:
            dossier = message["dossier"]
            if message["id"] in self.seen:
                counts["duplicates"] += 1
            elif dossier["version"] <= self.stored.get(dossier["code"], -1):
                self.seen.add(message["id"])
                counts["stale"] += 1
            elif dossier["code"] in self.reject_codes:
                counts["rejected"].append(
                    {
                        "id": message["id"],
                        "code": "invalid_value",
                        "message": self.reject_codes[dossier["code"]],
                    }
                )
            else:
                self.seen.add(message["id"])
                self.stored[dossier["code"]] = dossier["version"]
                self.applied.append((dossier["code"], dossier["version"]))
                counts["accepted"] += 1
        return 200, counts


@pytest.fixture
def sync_key(tmp_path) -> tuple[Path, OKPKey]:
    path = tmp_path / "sync-key.pem"
    public = sync_keygen(path=path)
    return path, OKPKey.import_key(public.encode())


@pytest.fixture
def national(sync_key) -> Iterator[FakeNational]:
    path, public = sync_key
    fake = FakeNational(public_key=public)

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
            fake.content_types.append(f"{self.path} {self.headers.get('Content-Type')}")
            status, answer = fake.answer(body)
            raw = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(raw)))
            self.end_headers()
            self.wfile.write(raw)

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    fake.url = f"http://127.0.0.1:{server.server_address[1]}"
    with override_settings(
        MOTCUA_NATIONAL_URL=fake.url,
        MOTCUA_PROVINCE_CODE=PROVINCE,
        MOTCUA_SYNC_KEY_FILE=str(path),
    ):
        yield fake
    server.shutdown()
    server.server_close()
