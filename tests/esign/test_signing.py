"""Signing at approval: the signed file replaces the draft, flags and counters move together."""

from __future__ import annotations

import hashlib
import io
import os
import stat

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db.models import Sum
from pyhanko.pdf_utils.reader import PdfFileReader

from motcua.core.errors import ValidationFailed
from motcua.core.models import AuditEvent
from motcua.counters.models import DailyCounter
from motcua.dossiers.documents import document_attach
from motcua.dossiers.models import Dossier, DossierDocument, State
from motcua.esign.models import SignedResult
from motcua.esign.pki import SigningNotConfigured, agency_paths, demo_pki_ensure
from motcua.esign.services import result_sign_and_approve
from tests.esign.fixtures import at_approval, signed, with_result
from tests.factories import AgencyFactory

PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)


def counter(metric: str) -> int:
    return DailyCounter.objects.filter(metric=metric).aggregate(v=Sum("value"))["v"] or 0


@pytest.mark.django_db
def test_signing_approves_sets_flags_and_moves_counters(walker, pki):
    dossier, document = with_result(walker)
    unsigned_sha = document.sha256
    assert (counter("e_result"), counter("e_result_to_store"), counter("finished")) == (0, 0, 0)

    result = result_sign_and_approve(
        actor=walker.approver, dossier=dossier, document=document, note="Đồng ý."
    )

    dossier = Dossier.objects.get(pk=dossier.pk)
    document = DossierDocument.objects.get(pk=document.pk)
    data = document.file.open("rb").read()
    assert dossier.state == State.RESULT_READY
    assert (dossier.e_result, dossier.result_to_store) == (True, True)
    assert (counter("e_result"), counter("e_result_to_store"), counter("finished")) == (1, 1, 1)
    assert document.sha256 == hashlib.sha256(data).hexdigest() == result.sha256
    assert document.size == len(data)
    assert result.unsigned_sha256 == unsigned_sha != result.sha256
    assert result.agency == walker.agency
    assert result.signer == walker.approver
    assert result.certificate_subject.startswith("Common Name: Sở Tư pháp thử nghiệm")
    assert len(result.token) == 24
    signatures = PdfFileReader(io.BytesIO(data)).embedded_signatures
    assert len(signatures) == 1
    assert signatures[0].sig_object["/SubFilter"] == "/ETSI.CAdES.detached"
    events = list(dossier.events.order_by("seq").values_list("action", "note"))
    assert events[-2:] == [("result_signed", ""), ("approve", "Đồng ý.")]
    audit = AuditEvent.objects.get(action="esign.sign")
    assert (audit.object_type, audit.object_id) == ("dossier_document", str(document.pk))
    assert audit.data["dossier"] == dossier.code


@pytest.mark.django_db
def test_result_without_data_store_is_not_counted_to_store(walker, pki):
    dossier, document = with_result(walker)
    Dossier.objects.filter(pk=dossier.pk).update(applicant_id_number="")
    dossier.refresh_from_db()

    result_sign_and_approve(actor=walker.approver, dossier=dossier, document=document)

    dossier.refresh_from_db()
    assert (dossier.e_result, dossier.result_to_store) == (True, False)
    assert (counter("e_result"), counter("e_result_to_store")) == (1, 0)


@pytest.mark.django_db
def test_an_image_result_cannot_be_signed_and_nothing_changes(walker, pki):
    dossier = at_approval(walker)
    image = document_attach(
        actor=walker.approver,
        dossier=dossier,
        upload=SimpleUploadedFile("ket-qua.png", PNG),
        kind=DossierDocument.Kind.RESULT,
    )
    dossier.refresh_from_db()
    version = dossier.version

    with pytest.raises(ValidationFailed) as error:
        result_sign_and_approve(actor=walker.approver, dossier=dossier, document=image)

    assert error.value.message == (
        "Chỉ ký số được kết quả dạng PDF; hãy đính kèm hoặc tạo kết quả PDF."
    )
    dossier.refresh_from_db()
    assert (dossier.state, dossier.version) == (State.IN_PROGRESS, version)
    assert SignedResult.objects.count() == 0


@pytest.mark.django_db
def test_a_result_is_signed_once(walker, pki):
    dossier, result = signed(walker)

    with pytest.raises(Exception) as error:
        result_sign_and_approve(actor=walker.approver, dossier=dossier, document=result.document)

    assert getattr(error.value, "message", "") == (
        "Hồ sơ không ở bước phê duyệt nên không thể ký số kết quả."
    )
    assert SignedResult.objects.count() == 1


@pytest.mark.django_db
def test_agency_without_certificate_is_refused_before_any_change(walker, pki, settings, tmp_path):
    settings.MOTCUA_ESIGN_KEY_DIR = str(tmp_path / "empty")
    dossier, document = with_result(walker)
    version = dossier.version

    with pytest.raises(SigningNotConfigured) as error:
        result_sign_and_approve(actor=walker.approver, dossier=dossier, document=document)

    assert error.value.message == (
        "Sở Tư pháp thử nghiệm chưa có chứng thư số để ký kết quả điện tử; quản trị cần cài "
        "đặt khóa và chứng thư của cơ quan (xem docs/howto/e-results.md)."
    )
    dossier.refresh_from_db()
    assert (dossier.state, dossier.version, dossier.result_to_store) == (
        State.IN_PROGRESS,
        version,
        False,
    )
    assert DossierDocument.objects.get(pk=document.pk).sha256 == document.sha256


@pytest.mark.django_db
def test_demo_pki_is_idempotent(pki, settings, tmp_path, esign_pki_dir):
    settings.MOTCUA_ESIGN_KEY_DIR = str(tmp_path / "agencies")
    agencies = [AgencyFactory(code="000.00.31.H99"), AgencyFactory(code="000.00.32.H99")]

    assert demo_pki_ensure(agencies) == (2, 0)
    first = agency_paths(agencies[0]).cert_path.read_bytes()
    assert demo_pki_ensure(agencies) == (0, 2)
    assert agency_paths(agencies[0]).cert_path.read_bytes() == first
    key_path = agency_paths(agencies[0]).key_path
    assert key_path.name == "000.00.31.H99.key.pem"
    assert stat.S_IMODE(os.stat(key_path).st_mode) == 0o600
    # The chain file ends with the CA, so a verifier gets the whole path from the signature.
    assert first.count(b"BEGIN CERTIFICATE") == 2


@pytest.mark.django_db
def test_esign_demo_pki_command(pki, settings, tmp_path, capsys):
    settings.MOTCUA_ESIGN_KEY_DIR = str(tmp_path / "agencies")

    call_command("esign_demo_pki")
    call_command("esign_demo_pki")

    out = capsys.readouterr().out.splitlines()
    assert out == [
        f"Chứng thư số thử nghiệm: cấp mới 2, giữ nguyên 0 (thư mục {tmp_path / 'agencies'}).",
        f"Chứng thư số thử nghiệm: cấp mới 0, giữ nguyên 2 (thư mục {tmp_path / 'agencies'}).",
    ]


class RecordingSigner:
    """A stand-in for a token or remote service: the interface is all the system needs."""

    calls: list[tuple[str, str, str]] = []

    def sign(self, pdf, *, agency, signer_user, verify_url):
        from motcua.esign.signing import AgencyKeySigner

        RecordingSigner.calls.append((agency.code, signer_user.username, verify_url))
        return AgencyKeySigner().sign(
            pdf, agency=agency, signer_user=signer_user, verify_url=verify_url
        )


@pytest.mark.django_db
def test_the_signer_is_chosen_by_setting(walker, pki, settings):
    settings.MOTCUA_ESIGN_SIGNER = "tests.esign.test_signing.RecordingSigner"
    RecordingSigner.calls = []
    dossier, document = with_result(walker)

    result = result_sign_and_approve(actor=walker.approver, dossier=dossier, document=document)

    assert RecordingSigner.calls == [
        (
            "000.00.11.H99",
            "motcua_approver",
            f"http://127.0.0.1:8000/ket-qua/xac-thuc/{result.token}/",
        )
    ]
