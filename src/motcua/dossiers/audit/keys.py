"""The system's key for signing audit roots: Ed25519, one file under the var folder
(`audit_key.pem`, mode 600), made on first use. The var folder is in the backup, so a
restored installation signs and verifies with the same key.

Not the e-sign keys (`esign/pki.py`): those are per agency, sit in a package above the
dossiers, and in production stay with a certification authority or in a token; a root is
signed by the installation itself."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import (
    Ed25519PrivateKey,
    Ed25519PublicKey,
)
from django.conf import settings

KEY_NAME = "audit_key.pem"


def key_path() -> Path:
    return Path(settings.VAR_DIR) / KEY_NAME


def signing_key() -> Ed25519PrivateKey:
    """The system's key, made (readable by the owner only) when there is none yet."""
    path = key_path()
    if not path.exists():
        _key_make(path)
    key = serialization.load_pem_private_key(path.read_bytes(), password=None)
    if not isinstance(key, Ed25519PrivateKey):
        raise RuntimeError(f"{path} is not an Ed25519 key")
    return key


def _key_make(path: Path) -> None:
    # Written to a private temporary file and linked into place: two processes making the
    # key at once end up with one.
    path.parent.mkdir(parents=True, exist_ok=True)
    pem = Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    fd, temporary = tempfile.mkstemp(dir=path.parent, prefix=".audit_key.")
    try:
        os.fchmod(fd, 0o600)
        os.write(fd, pem)
        os.fsync(fd)
    finally:
        os.close(fd)
    try:
        os.link(temporary, path)
    except FileExistsError:
        pass
    finally:
        os.unlink(temporary)


def public_hex(key: Ed25519PrivateKey) -> str:
    return (
        key.public_key()
        .public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        .hex()
    )


def system_public_hex() -> str | None:
    """The public half of the system's key, or None when there is no key file (never made
    here: verifying must not create the key it checks against)."""
    if not key_path().exists():
        return None
    return public_hex(signing_key())


def signature_valid(*, public: str, signature: str, message: bytes) -> bool:
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(public)).verify(
            bytes.fromhex(signature), message
        )
    except (InvalidSignature, ValueError):
        return False
    return True
