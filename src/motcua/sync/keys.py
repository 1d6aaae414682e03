"""The province's Ed25519 signing key (domain.md §12.1): written once by `motcua
sync-keygen`, read by the sender. Only the public half ever leaves the machine."""

from __future__ import annotations

import os
from pathlib import Path

from django.conf import settings
from django.utils.translation import gettext as _
from joserfc.jwk import OKPKey

from motcua.core.errors import ValidationFailed


class KeyMissing(Exception):
    """No usable signing key: the sender holds its messages until there is one."""


def sync_keygen(*, path: Path, force: bool = False) -> str:
    """Write a new private key (PEM, mode 600) to `path`; return the public key as PEM.

    An existing file is kept unless `force`: the national instance knows the old public key,
    and replacing it silently would make every later batch answer 401."""
    if path.exists() and not force:
        raise ValidationFailed(
            _("Tệp khóa %(path)s đã có; dùng --force để thay bằng khóa mới.") % {"path": path}
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    key = OKPKey.generate_key("Ed25519")
    temporary = path.with_name(f".{path.name}.new")
    # Created with mode 600 from the start: the private key is never readable by others,
    # not even for the moment between writing and a chmod.
    fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    try:
        with os.fdopen(fd, "wb") as out:
            out.write(key.as_pem(private=True))
        os.chmod(temporary, 0o600)
        os.replace(temporary, path)
    except BaseException:
        temporary.unlink(missing_ok=True)
        raise
    return key.as_pem(private=False).decode()


def signing_key() -> OKPKey:
    name = getattr(settings, "MOTCUA_SYNC_KEY_FILE", "")
    if not name:
        raise KeyMissing(
            _("Chưa cấu hình tệp khóa ký (MOTCUA_SYNC_KEY_FILE); tạo bằng `motcua sync-keygen`.")
        )
    try:
        key = OKPKey.import_key(Path(name).read_bytes())
    except (OSError, ValueError) as error:
        raise KeyMissing(
            _("Không đọc được khóa ký %(path)s: %(error)s") % {"path": name, "error": error}
        ) from error
    if not key.is_private or key.as_dict().get("crv") != "Ed25519":
        raise KeyMissing(_("Tệp %(path)s không phải khóa riêng Ed25519.") % {"path": name})
    return key
