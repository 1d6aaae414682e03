"""Links inside documents point where people reach the system (MOTCUA_PUBLIC_URL), whatever
address served the request: the QR codes are read back from the rendered PDF pages, as a phone
would read them from paper. Two dossiers of two agencies, so a code shared by mistake fails."""

from __future__ import annotations

import pypdfium2
import pytest
import zxingcpp

from motcua.dossiers.letters import letter_pdf
from motcua.dossiers.models import State
from motcua.esign.models import SignedResult
from tests.esign.fixtures import esign_pki_dir, pki, signed  # noqa: F401

PUBLIC = "https://dichvucong.hue.gov.vn"


def qr_codes(pdf: bytes) -> list[str]:
    """Every QR code on every page, rendered at 150 dpi, form fields included (the visible
    signature stamp is the signature field's appearance)."""
    document = pypdfium2.PdfDocument(pdf)
    document.init_forms()
    found = []
    for page in document:
        image = page.render(scale=150 / 72).to_pil()
        found += [
            code.text for code in zxingcpp.read_barcodes(image) if code.format.name == "QRCode"
        ]
    return found


@pytest.fixture
def public_address(settings):
    settings.MOTCUA_PUBLIC_URL = PUBLIC
    return settings


@pytest.mark.django_db
def test_letters_carry_the_public_address(public_address, walker):
    received = walker.dossier_in(State.RECEIVED)
    incomplete = walker.dossier_in(State.SUPPLEMENT_REQUESTED)
    refused = walker.dossier_in(State.REFUSED)

    for dossier, kind in ((received, "receipt"), (incomplete, "supplement"), (refused, "refusal")):
        assert qr_codes(letter_pdf(dossier, kind)) == [f"{PUBLIC}/tra-cuu/{dossier.public_code}/"]


@pytest.mark.django_db
@pytest.mark.usefixtures("pki")
def test_signed_results_carry_the_public_address(public_address, walker):
    _, first = signed(walker)
    _, second = signed(walker)
    assert first.token != second.token

    for result in (first, second):
        pdf = SignedResult.objects.get(pk=result.pk).document.file.read()
        codes = qr_codes(pdf)
        assert codes == [f"{PUBLIC}/ket-qua/xac-thuc/{result.token}/"]
        assert all(code.startswith(PUBLIC + "/") for code in codes)
