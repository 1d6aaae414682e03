"""The rows of the messaging channel's account page (`/tai-khoan/kenh-nhan-tin/`): asking for a
one-time link code and unlinking. Each account's own link: anonymous visitors are sent to sign
in; the right actor is the signed-in citizen. The platform's webhook is exempt (signed by the
platform: tests/messaging/test_webhook.py)."""

from __future__ import annotations

from django.utils import timezone

from motcua.messaging.models import ChannelLink, LinkCode
from tests.security.rows import SIGN_IN, Actors, Row
from tests.security.world import ANONYMOUS, RIGHT, World


def _codes(world: World) -> int:
    return LinkCode.objects.filter(user=world.owner).count()


def _linked_owner(world: World) -> Actors:
    """The owner's link made first (before anyone signs in and the tables are compared)."""
    ChannelLink.objects.get_or_create(
        user=world.owner,
        defaults={"follower_id": "security-follower", "linked_at": timezone.now()},
    )
    return {ANONYMOUS: [("anonymous", None)], RIGHT: [("owner", world.owner)]}


def _links(world: World) -> int:
    return ChannelLink.objects.filter(user=world.owner).count()


MESSAGING_ROWS = [
    Row(
        route="messaging:link",
        label="code",
        url=lambda world: "/tai-khoan/kenh-nhan-tin/",
        data=lambda world: {},
        actors=lambda world: {ANONYMOUS: [("anonymous", None)], RIGHT: [("owner", world.owner)]},
        refused={ANONYMOUS: SIGN_IN},
        effect=_codes,
        done=lambda before, after: after == before + 1,
        passed=200,  # the code is shown once, on the page itself
    ),
    Row(
        route="messaging:unlink",
        label="own",
        url=lambda world: "/tai-khoan/kenh-nhan-tin/huy/",
        data=lambda world: {},
        actors=_linked_owner,
        refused={ANONYMOUS: SIGN_IN},
        effect=_links,
        done=lambda before, after: (before, after) == (1, 0),
    ),
]
