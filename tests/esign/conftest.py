import pytest
from django.core.cache import cache

from tests.esign.fixtures import esign_pki_dir, pki  # noqa: F401


@pytest.fixture(autouse=True)
def _fresh_verify_throttle():
    """The verification throttle counts in the process-wide cache: each test starts (and
    leaves) with no checks counted, whatever ran before it in this worker."""
    cache.clear()
    yield
    cache.clear()
