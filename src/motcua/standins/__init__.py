"""Stand-ins for the national services motcua talks to, for the demo and the tests.

A process of its own (`motcua.standins.settings`, its own SQLite database under the var
folder, port MOTCUA_STANDINS_PORT, 8002 by default), started by `make run` beside the portal:
- `vneid/` — an OpenID Connect provider in the place of VNeID, built on django-oauth-toolkit
  (authorization code with PKCE, ID tokens signed RS256, discovery and JWKS), whose people are
  the demo population registry's, each with the demo passcode (docs/howto/vneid.md);
- the registries' HTTP services (`urls_registries.py`);
- the messaging platform's send-message API, its media and a page playing a follower
  (`messaging.py`, `urls_messaging.py`, docs/howto/messaging.md).

It shares no table and no session with the portal: the portal reaches it only over HTTP, as it
reaches the real services in production. Nothing here is mounted in motcua's own URLconf.
"""
