"""The stand-ins' secrets, each made on first start under the var folder (owner-only): a key
per installation, never one in the source."""

from __future__ import annotations

import os
import secrets
import tempfile
from collections.abc import Callable
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

# The one password of every demo person at the stand-in VNeID: shown on its sign-in page.
DEMO_PASSCODE = "vneid-demo"


def _private_file(path: Path, make: Callable[[], bytes]) -> str:
    # Hard-linked into place, so two processes starting together end up with one secret.
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
        try:
            os.fchmod(fd, 0o600)
            os.write(fd, make())
        finally:
            os.close(fd)
        try:
            os.link(temporary, path)
        except FileExistsError:
            pass
        finally:
            os.unlink(temporary)
    return path.read_text().strip()


def secret_load(path: Path) -> str:
    return _private_file(path, lambda: secrets.token_urlsafe(50).encode())


def signing_key_load(path: Path) -> str:
    """An RSA key (PEM) for the provider's RS256 ID tokens."""

    def make() -> bytes:
        key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        return key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        )

    return _private_file(path, make)
