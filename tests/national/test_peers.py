"""`motcua national-peer add|list|revoke`: codes of the 34 provinces, Ed25519 public keys
only, rotation on re-adding, an audit event for each change."""

from __future__ import annotations

import io
from pathlib import Path

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed448, ed25519
from django.core.management import call_command

from motcua.core.models import AuditEvent
from motcua.national.models import Peer
from tests.national.conftest import key_pair, public_pem

pytestmark = [
    pytest.mark.django_db,
    pytest.mark.filterwarnings("ignore:EdDSA is deprecated"),
]


def _write(tmp_path: Path, name: str, data: bytes) -> Path:
    path = tmp_path / name
    path.write_bytes(data)
    return path


def _run(*args: str) -> tuple[int, str, str]:
    out, err = io.StringIO(), io.StringIO()
    try:
        call_command("national_peer", *args, stdout=out, stderr=err)
    except SystemExit as stop:
        return int(stop.code or 0), out.getvalue(), err.getvalue()
    return 0, out.getvalue(), err.getvalue()


def _pem(public_key) -> bytes:
    return public_key.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )


def test_add_list_rotate_and_revoke(tmp_path, capsys):
    first = _write(tmp_path, "hue.pem", public_pem(key_pair()))
    second = _write(tmp_path, "hue2.pem", public_pem(key_pair()))
    hanoi = _write(tmp_path, "hn.pem", public_pem(key_pair()))

    assert (
        _run("add", "--province", "46", "--name", "Thành phố Huế", "--public-key", str(first))[0]
        == 0
    )
    assert _run("add", "--province", "01", "--name", "Hà Nội", "--public-key", str(hanoi))[0] == 0
    code, out, _ = _run("add", "--province", "46", "--name", "Huế", "--public-key", str(second))
    assert code == 0
    assert "46" in out

    active = Peer.objects.get(province="46", revoked_at=None)
    assert active.public_key.encode() == second.read_bytes().strip() + b"\n"
    assert Peer.objects.filter(province="46").count() == 2
    code, out, _ = _run("list")
    assert code == 0
    lines = out.strip().splitlines()
    assert lines[0].startswith("01\tHà Nội")
    assert "đang hiệu lực" in lines[1] and lines[1].startswith("46\tHuế")
    assert "đã thu hồi" in lines[2]

    assert _run("revoke", "--province", "46")[0] == 0
    assert not Peer.objects.filter(province="46", revoked_at=None).exists()
    assert list(
        AuditEvent.objects.filter(object_type="national.peer")
        .order_by("id")
        .values_list("action", flat=True)
    ) == [
        "national.peer_added",
        "national.peer_added",
        "national.peer_rotated",
        "national.peer_revoked",
    ]


@pytest.mark.parametrize("province", ["99", "4", "046", "HN", "", "00"])
def test_add_refuses_a_code_that_is_not_one_of_the_34(tmp_path, province):
    path = _write(tmp_path, "k.pem", public_pem(key_pair()))
    code, _, err = _run("add", "--province", province, "--name", "X", "--public-key", str(path))
    assert code == 2
    assert "không phải mã 2 chữ số của một trong 34 tỉnh" in err
    assert Peer.objects.count() == 0


def test_add_refuses_what_is_not_an_ed25519_public_key(tmp_path):
    private = ed25519.Ed25519PrivateKey.generate().private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    cases = {
        "garbage.pem": (b"not a key", "không phải khóa công khai dạng PEM"),
        "private.pem": (private, "không phải khóa công khai dạng PEM"),
        "ec.pem": (
            _pem(ec.generate_private_key(ec.SECP256R1()).public_key()),
            "không phải Ed25519",
        ),
        "ed448.pem": (_pem(ed448.Ed448PrivateKey.generate().public_key()), "không phải Ed25519"),
    }
    for name, (data, expected) in cases.items():
        path = _write(tmp_path, name, data)
        code, _, err = _run("add", "--province", "46", "--name", "Huế", "--public-key", str(path))
        assert code == 2, name
        assert expected in err, (name, err)
    code, _, err = _run(
        "add", "--province", "46", "--name", "Huế", "--public-key", str(tmp_path / "missing.pem")
    )
    assert code == 2 and "không đọc được tệp" in err
    assert Peer.objects.count() == 0
    assert AuditEvent.objects.filter(object_type="national.peer").count() == 0


def test_revoke_without_an_active_key_fails(tmp_path):
    code, _, err = _run("revoke", "--province", "46")
    assert code == 2
    assert "không có khóa đang hiệu lực" in err


def test_national_rebuild_recomputes_the_counters(hue_key, send_batch):
    from motcua.national.counters import national_counters_long
    from motcua.national.models import AgencyCounter, ProvinceCounter
    from tests.national.conftest import message

    send_batch(hue_key, [message("H.1"), message("H.2", finished_at="20250305100000")])
    before = national_counters_long()
    AgencyCounter.objects.all().delete()
    ProvinceCounter.objects.all().delete()

    out = io.StringIO()
    call_command("national_rebuild", stdout=out)

    assert national_counters_long() == before
    assert "Đã tính lại bộ đếm" in out.getvalue()
    assert AuditEvent.objects.filter(action="national.counters_rebuilt").count() == 1
