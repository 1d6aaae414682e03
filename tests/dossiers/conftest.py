"""The walker fixtures live in `tests/walker.py` (a plugin of the root conftest) so every test
package can use them; names are re-exported here for existing imports."""

from tests.walker import PATHS, PAYLOADS, T0, Walker

__all__ = ["PATHS", "PAYLOADS", "T0", "Walker"]
