from tests.esign.fixtures import esign_pki_dir, pki  # noqa: F401
