"""Verification: only an untouched file, signed by a trusted agency certificate and recorded
by the system, is a valid result; every other file is refused with its reason."""

from __future__ import annotations

from pathlib import Path

import pytest

from motcua.directory.models import Agency
from motcua.esign.pki import agency_credentials_write, ca_create
from motcua.esign.results import result_pdf
from motcua.esign.signing import AgencyKeySigner
from motcua.esign.verify import result_verify
from tests.esign.fixtures import signed, with_result

TAMPERED = (
    "Không hợp lệ: nội dung tệp đã bị sửa đổi sau khi ký, chữ ký số không còn khớp với tài liệu."
)


def signed_bytes(result) -> bytes:
    with result.document.file.open("rb") as handle:
        return handle.read()


@pytest.mark.django_db
def test_a_signed_result_is_valid_and_names_agency_signer_and_dossier(walker, pki):
    dossier, result = signed(walker)

    verdict = result_verify(signed_bytes(result))

    assert verdict.valid is True
    assert verdict.code == "valid"
    assert verdict.message == (
        "Hợp lệ: tài liệu là kết quả điện tử do hệ thống cấp, chữ ký số đúng và tệp còn nguyên vẹn."
    )
    assert verdict.record == result
    assert verdict.record.agency.name == "Sở Tư pháp thử nghiệm"
    assert verdict.record.document.dossier.code == dossier.code
    assert verdict.record.signer == walker.approver
    assert verdict.facts.common_name == "Sở Tư pháp thử nghiệm"
    assert verdict.facts.signed_at == result.signed_at


@pytest.mark.django_db
def test_bytes_changed_after_signing_fail(walker, pki):
    _dossier, result = signed(walker)
    data = signed_bytes(result)
    at = data.index(b"/Creator")  # inside the signed range, same length after the change
    tampered = data[:at] + data[at:].replace(b"motcua", b"MOTCUA", 1)
    assert len(tampered) == len(data) and tampered != data

    verdict = result_verify(tampered)

    assert (verdict.valid, verdict.code, verdict.message) == (False, "tampered", TAMPERED)
    assert verdict.record is None


@pytest.mark.django_db
def test_content_appended_after_signing_fails(walker, pki):
    _dossier, result = signed(walker)

    verdict = result_verify(signed_bytes(result) + b"\n% them noi dung\n")

    assert (verdict.valid, verdict.code) == (False, "modified_after_signing")
    assert verdict.message == (
        "Không hợp lệ: tệp đã bị thêm nội dung sau khi ký; chữ ký không bao trùm toàn bộ tệp."
    )


@pytest.mark.django_db
def test_a_certificate_from_another_ca_is_not_trusted(walker, pki, settings, tmp_path):
    _dossier, document = with_result(walker)
    rogue_key, rogue_ca = ca_create("CA giả mạo")
    agency_credentials_write(walker.agency, ca_key=rogue_key, ca_cert=rogue_ca, directory=tmp_path)
    settings.MOTCUA_ESIGN_KEY_DIR = str(tmp_path)
    forged = AgencyKeySigner().sign(
        Path(document.file.path).read_bytes(),
        agency=walker.agency,
        signer_user=walker.approver,
        verify_url="http://127.0.0.1:8000/ket-qua/xac-thuc/gia-mao/",
    )

    verdict = result_verify(forged)

    assert (verdict.valid, verdict.code) == (False, "untrusted")
    assert verdict.message == (
        "Không hợp lệ: chữ ký số không được tạo bằng chứng thư số của cơ quan nhà nước mà hệ "
        "thống tin cậy (người ký: Sở Tư pháp thử nghiệm)."
    )


@pytest.mark.django_db
def test_an_unsigned_pdf_fails(walker, pki):
    dossier, _document = with_result(walker)

    verdict = result_verify(result_pdf(dossier, text="Chấp thuận."))

    assert (verdict.valid, verdict.code) == (False, "unsigned")
    assert verdict.message == (
        "Không hợp lệ: tệp PDF không có chữ ký số, không phải kết quả điện tử đã ký."
    )


@pytest.mark.django_db
def test_not_a_pdf_fails():
    verdict = result_verify(b"GIF89a not a pdf at all")

    assert (verdict.valid, verdict.code, verdict.message) == (
        False,
        "not_pdf",
        "Tệp tải lên không phải tệp PDF.",
    )


@pytest.mark.django_db
def test_trusted_signature_on_an_unrecorded_file_fails(walker, pki):
    """Signed with a real agency key, but not through the approval: not a result."""
    _dossier, document = with_result(walker)
    stray = AgencyKeySigner().sign(
        Path(document.file.path).read_bytes(),
        agency=Agency.objects.get(pk=walker.agency.pk),
        signer_user=walker.approver,
        verify_url="http://127.0.0.1:8000/ket-qua/xac-thuc/khong-co/",
    )

    verdict = result_verify(stray)

    assert (verdict.valid, verdict.code) == (False, "unknown_result")
    assert verdict.message == (
        "Không hợp lệ: chữ ký số đúng nhưng tệp không trùng với kết quả nào do hệ thống ghi nhận."
    )


@pytest.mark.django_db
def test_a_valid_file_under_another_results_token_fails(walker, pki):
    _d1, first = signed(walker)
    _d2, second = signed(walker)

    assert result_verify(signed_bytes(first), token=first.token).valid is True
    verdict = result_verify(signed_bytes(first), token=second.token)

    assert (verdict.valid, verdict.code) == (False, "unknown_result")
    assert verdict.message == (
        "Không hợp lệ: chữ ký số đúng nhưng tệp không trùng với kết quả nào do hệ thống ghi "
        "nhận cho mã xác thực này."
    )
