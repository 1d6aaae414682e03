"""PKI fixtures for e-result tests: one demo CA per test session (key generation is the slow
part), a certificate per agency issued from it on demand, and dossiers at the approval step."""

from __future__ import annotations

import pytest

from motcua.dossiers.lifecycle import Action
from motcua.dossiers.models import Dossier, DossierDocument, State
from motcua.esign.pki import demo_ca_ensure, demo_pki_ensure
from motcua.esign.services import result_generate, result_sign_and_approve


@pytest.fixture(scope="session")
def esign_pki_dir(tmp_path_factory):
    folder = tmp_path_factory.mktemp("pki")
    demo_ca_ensure(folder)
    return folder


@pytest.fixture
def pki(esign_pki_dir, settings, agency, other_agency):
    """The system's PKI in a per-session folder, with certificates for the test agencies."""
    settings.MOTCUA_ESIGN_DIR = str(esign_pki_dir)
    settings.MOTCUA_ESIGN_KEY_DIR = str(esign_pki_dir / "agencies")
    settings.MOTCUA_ESIGN_TRUST_ROOTS = [str(esign_pki_dir / "ca.pem")]
    settings.MOTCUA_ESIGN_SIGNER = "motcua.esign.signing.AgencyKeySigner"
    demo_pki_ensure([agency, other_agency])
    return esign_pki_dir


def at_approval(walker) -> Dossier:
    """A dossier at the last step (Phê duyệt, the approver's), without any result yet."""
    dossier = walker.dossier_in(State.IN_PROGRESS)
    dossier = walker.act(dossier, Action.FORWARD)
    assert dossier.current_step.name == "Phê duyệt"
    return Dossier.objects.get(pk=dossier.pk)


def with_result(walker) -> tuple[Dossier, DossierDocument]:
    dossier = at_approval(walker)
    document = result_generate(actor=walker.approver, dossier=dossier, text="Chấp thuận.")
    return Dossier.objects.get(pk=dossier.pk), document


def signed(walker):
    dossier, document = with_result(walker)
    result = result_sign_and_approve(actor=walker.approver, dossier=dossier, document=document)
    return Dossier.objects.get(pk=dossier.pk), result
