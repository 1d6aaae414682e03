"""Where the e-result machinery finds its keys, certificates and trust roots.

Each setting may come from Django settings or, failing that, from the environment, so an
operator can point a deployment at its real certificates without editing code:

- `MOTCUA_ESIGN_DIR`: the demo PKI (`ca.pem`, `ca.key.pem`); default `VAR_DIR/pki`.
- `MOTCUA_ESIGN_KEY_DIR`: per-agency `<code>.key.pem` + `<code>.pem`;
  default `<ESIGN_DIR>/agencies`.
- `MOTCUA_ESIGN_KEY_PASSPHRASE`: passphrase of the agency keys, if they are encrypted.
- `MOTCUA_ESIGN_TRUST_ROOTS`: CA certificates that verification trusts, separated by `:`
  (a list in settings). When unset: the demo CA in DEBUG or when
  `MOTCUA_ESIGN_TRUST_DEMO_CA=1`, otherwise nothing.
- `MOTCUA_ESIGN_SIGNER`: dotted path of the `Signer` class; default `AgencyKeySigner`.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

from django.conf import settings

DEFAULT_SIGNER = "motcua.esign.signing.AgencyKeySigner"


def _setting(name: str) -> Any:
    value = getattr(settings, name, None)
    if value in (None, ""):
        value = os.environ.get(name) or None
    return value


def pki_dir() -> Path:
    value = _setting("MOTCUA_ESIGN_DIR")
    return Path(value) if value else Path(settings.VAR_DIR) / "pki"


def key_dir() -> Path:
    value = _setting("MOTCUA_ESIGN_KEY_DIR")
    return Path(value) if value else pki_dir() / "agencies"


def key_passphrase() -> bytes | None:
    value = _setting("MOTCUA_ESIGN_KEY_PASSPHRASE")
    return value.encode() if isinstance(value, str) else value


def demo_ca_trusted() -> bool:
    """Whether verification may fall back to the demo CA. Its private key lies unencrypted
    beside it, so whoever can read the folder can mint "valid" results: outside DEBUG only an
    operator's explicit yes trusts it."""
    if settings.DEBUG:
        return True
    value = _setting("MOTCUA_ESIGN_TRUST_DEMO_CA")
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes")
    return bool(value)


def trust_root_paths() -> list[Path]:
    """The PEM files of the roots verification trusts; empty when none are configured."""
    value = _setting("MOTCUA_ESIGN_TRUST_ROOTS")
    if not value:
        return [pki_dir() / "ca.pem"] if demo_ca_trusted() else []
    if isinstance(value, str):
        value = [part for part in value.split(os.pathsep) if part]
    return [Path(part) for part in value]


def signer_path() -> str:
    return _setting("MOTCUA_ESIGN_SIGNER") or DEFAULT_SIGNER
