"""Keys and certificates: the demo certificate authority with one certificate per agency,
the per-agency credentials the default signer reads, and the roots verification trusts.

The demo PKI uses EC P-256 keys: as strong as RSA 3072 and generated in milliseconds, so
`make run` and the tests stay quick. In production the files under `MOTCUA_ESIGN_KEY_DIR`
come from a licensed certification authority (or the keys stay in a hardware token behind
another `Signer`), and `MOTCUA_ESIGN_TRUST_ROOTS` names that authority's root.
"""

from __future__ import annotations

import os
import re
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID
from django.utils.translation import gettext as _

from motcua.core.errors import MotcuaError
from motcua.directory.models import Agency
from motcua.esign import conf

CA_NAME = "motcua - Tổ chức chứng thực thử nghiệm (demo)"
CA_YEARS = 10
AGENCY_YEARS = 3
RENEW_BEFORE = timedelta(days=30)


class SigningNotConfigured(MotcuaError):
    code = "esign_not_configured"
    status = 409


@dataclass(frozen=True)
class Credentials:
    key_path: Path
    cert_path: Path


def _safe(code: str) -> str:
    # Agency codes are opaque (§3); keep them readable on disk but never a path.
    return re.sub(r"[^A-Za-z0-9._-]", "_", code).lstrip(".") or "_"


def agency_paths(agency: Agency, directory: Path | None = None) -> Credentials:
    folder = directory or conf.key_dir()
    name = _safe(agency.code)
    return Credentials(key_path=folder / f"{name}.key.pem", cert_path=folder / f"{name}.pem")


def agency_credentials(agency: Agency) -> Credentials:
    """The agency's key and certificate files, or a clear refusal when they are missing."""
    paths = agency_paths(agency)
    if not (paths.key_path.is_file() and paths.cert_path.is_file()):
        raise SigningNotConfigured(
            _(
                "%(agency)s chưa có chứng thư số để ký kết quả điện tử; quản trị cần cài đặt "
                "khóa và chứng thư của cơ quan (xem docs/howto/e-results.md)."
            )
            % {"agency": agency.name}
        )
    return paths


def _write(path: Path, data: bytes, *, private: bool = False) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    temporary = path.with_suffix(path.suffix + ".tmp")
    descriptor = os.open(
        temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600 if private else 0o644
    )
    with os.fdopen(descriptor, "wb") as handle:
        handle.write(data)
    # A reader never sees half a key: the rename is atomic.
    temporary.replace(path)


def _key_pem(key: ec.EllipticCurvePrivateKey) -> bytes:
    return key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )


def _cert_pem(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.PEM)


def _key_usage(*, ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not ca,
        content_commitment=not ca,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def ca_create(common_name: str = CA_NAME) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, common_name),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, "motcua"),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
        ]
    )
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365 * CA_YEARS))
        .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
        .add_extension(_key_usage(ca=True), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def agency_certificate_create(
    agency: Agency, *, ca_key: ec.EllipticCurvePrivateKey, ca_cert: x509.Certificate
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name(
        [
            x509.NameAttribute(NameOID.COMMON_NAME, agency.name[:64]),
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, agency.name[:64]),
            x509.NameAttribute(NameOID.ORGANIZATIONAL_UNIT_NAME, agency.code[:64]),
            x509.NameAttribute(NameOID.COUNTRY_NAME, "VN"),
        ]
    )
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(ca_cert.subject)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365 * AGENCY_YEARS))
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(_key_usage(ca=False), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_cert.public_key()),  # type: ignore[arg-type]
            critical=False,
        )
        .sign(ca_key, hashes.SHA256())
    )
    return key, cert


def agency_credentials_write(
    agency: Agency,
    *,
    ca_key: ec.EllipticCurvePrivateKey,
    ca_cert: x509.Certificate,
    directory: Path | None = None,
) -> Credentials:
    """Issue and store a certificate for the agency; the chain file ends with the CA."""
    key, cert = agency_certificate_create(agency, ca_key=ca_key, ca_cert=ca_cert)
    paths = agency_paths(agency, directory)
    _write(paths.key_path, _key_pem(key), private=True)
    _write(paths.cert_path, _cert_pem(cert) + _cert_pem(ca_cert))
    return paths


def demo_ca_ensure(
    folder: Path | None = None,
) -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    """The demo CA under the PKI folder, created on first use and reused after."""
    folder = folder or conf.pki_dir()
    key_path, cert_path = folder / "ca.key.pem", folder / "ca.pem"
    if key_path.is_file() and cert_path.is_file():
        key = serialization.load_pem_private_key(key_path.read_bytes(), password=None)
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        if isinstance(key, ec.EllipticCurvePrivateKey) and cert.not_valid_after_utc > (
            datetime.now(UTC) + RENEW_BEFORE
        ):
            return key, cert
    key, cert = ca_create()
    _write(key_path, _key_pem(key), private=True)
    _write(cert_path, _cert_pem(cert))
    return key, cert


def _still_good(cert_path: Path, ca_cert: x509.Certificate) -> bool:
    try:
        cert = x509.load_pem_x509_certificate(cert_path.read_bytes())
        cert.verify_directly_issued_by(ca_cert)
    except (OSError, ValueError, TypeError, InvalidSignature):
        return False
    return cert.not_valid_after_utc > datetime.now(UTC) + RENEW_BEFORE


def demo_pki_ensure(agencies: Iterable[Agency]) -> tuple[int, int]:
    """Idempotent: (issued, kept). An agency whose certificate is missing, expiring or from
    another CA gets a new one; the rest are left alone."""
    ca_key, ca_cert = demo_ca_ensure()
    issued = kept = 0
    for agency in agencies:
        paths = agency_paths(agency)
        if paths.key_path.is_file() and _still_good(paths.cert_path, ca_cert):
            kept += 1
            continue
        agency_credentials_write(agency, ca_key=ca_key, ca_cert=ca_cert)
        issued += 1
    return issued, kept


def load_pem_certificates(data: bytes) -> list[x509.Certificate]:
    return x509.load_pem_x509_certificates(data)


def trust_roots() -> list[x509.Certificate]:
    """The CA certificates verification trusts (missing files are skipped: a fresh install
    without the demo PKI simply trusts nothing yet)."""
    roots: list[x509.Certificate] = []
    for path in conf.trust_root_paths():
        if path.is_file():
            roots.extend(load_pem_certificates(path.read_bytes()))
    return roots
