"""`motcua audit-verify`: recompute every dossier's event chain and check the signed roots.

One pass over the events in (dossier, seq) order, a thousand dossiers per statement, holding
one batch at a time, so memory does not grow with the number of dossiers. A dossier's
history is damaged when:

- an event's content no longer matches its hash (`edited`), or the dossier's state is not
  where its last event left it (its state was changed without an event);
- an event is missing: a gap in the numbers, the first one absent, fewer events than the
  dossier's version says it went through, no event at all, or a head a signed root recorded
  that is no longer there — the last events, or the whole dossier (`deleted`);
- events are out of order: an event hashes at another place of the chain, or a later
  event is dated before an earlier one (`reordered`).

The roots themselves are checked too: each chains to the one before, its heads still hash
to it, its signature is valid, and it was signed with the system's key.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Any

from django.db import connections
from django.db.models import Exists, OuterRef, Q
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from motcua.dossiers.audit.chain import GENESIS, event_hash
from motcua.dossiers.audit.keys import signature_valid, system_public_hex
from motcua.dossiers.audit.roots import ROOT_GENESIS, heads_digest, heads_of, message_of
from motcua.dossiers.models import AuditRoot, AuditRootHead, Dossier, DossierEvent

EDITED, DELETED, REORDERED = "edited", "deleted", "reordered"
PLACE_SEARCHES = 4
KINDS = (EDITED, DELETED, REORDERED)


def kind_text(kind: str) -> str:
    return {
        EDITED: _("bị sửa"),
        DELETED: _("bị xoá"),
        REORDERED: _("bị đảo thứ tự"),
    }[kind]


@dataclass
class Damage:
    """One dossier whose history was altered: the kinds of damage and what was found."""

    dossier_id: int
    name: str
    kinds: set[str] = field(default_factory=set)
    details: list[str] = field(default_factory=list)

    def add(self, kind: str, detail: str) -> None:
        self.kinds.add(kind)
        self.details.append(detail)

    def line(self) -> str:
        kinds = ", ".join(kind_text(kind) for kind in KINDS if kind in self.kinds)
        return _("Hồ sơ %(name)s: nhật ký %(kinds)s — %(details)s.") % {
            "name": self.name,
            "kinds": kinds,
            "details": "; ".join(self.details),
        }


@dataclass
class Outcome:
    dossiers: int = 0
    events: int = 0
    roots: int = 0
    damaged: int = 0
    root_problems: list[str] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)

    @property
    def intact(self) -> bool:
        return not self.damaged and not self.root_problems


@dataclass(frozen=True)
class Event:
    seq: int
    at: datetime
    actor_id: int | None
    action: str
    from_state: str
    to_state: str
    note: str
    payload: Any
    hash: str

    def hash_at(self, *, reference: str, seq: int, prev: str) -> str:
        return event_hash(
            reference=reference,
            seq=seq,
            at=self.at,
            actor_id=self.actor_id,
            action=self.action,
            from_state=self.from_state,
            to_state=self.to_state,
            note=self.note,
            payload=self.payload,
            prev=prev,
        )


def chain_check(
    damage: Damage, *, reference: str, state: str, version: int, events: list[Event]
) -> None:
    """Walk one dossier's events (in seq order as stored) and note what is wrong."""
    prev = GENESIS
    expected = 1
    # Looking for where a mismatching event belongs costs (events)² hashes: enough for a
    # swap or a move, not for every event of a dossier whose whole history was rewritten.
    searches = PLACE_SEARCHES
    last_at: datetime | None = None
    for event in events:
        if event.seq != expected:
            if event.seq > expected:
                damage.add(DELETED, _missing(expected, event.seq - 1))
            # The event before is gone: its hash is unknown, so this event's link cannot be
            # checked; the chain is taken up again from it.
            prev, expected, last_at = event.hash, event.seq + 1, event.at
            continue
        if last_at is not None and event.at < last_at:
            damage.add(
                REORDERED,
                _("thao tác số %(seq)d ghi thời điểm trước thao tác liền trước")
                % {"seq": event.seq},
            )
        if event.hash_at(reference=reference, seq=event.seq, prev=prev) != event.hash:
            place = None
            if searches:
                searches -= 1
                place = _original_place(event, reference=reference, events=events)
            if place is None:
                damage.add(
                    EDITED,
                    _("thao tác số %(seq)d (%(action)s) không khớp mã băm")
                    % {"seq": event.seq, "action": event.action},
                )
            elif place != event.seq:
                damage.add(
                    REORDERED,
                    _("thao tác số %(seq)d vốn ở vị trí số %(place)d")
                    % {"seq": event.seq, "place": place},
                )
            elif REORDERED not in damage.kinds:
                # In its own place but after another event of the dossier than the one it
                # follows: events before it were moved (a move already reported says so).
                damage.add(
                    REORDERED,
                    _("thao tác số %(seq)d không còn đứng sau thao tác nó nối tiếp")
                    % {"seq": event.seq},
                )
        prev, expected, last_at = event.hash, event.seq + 1, event.at
    if not events:
        return
    last = events[-1]
    # Each change of a dossier bumps its version once and writes one event, the creation
    # (version 0) being event 1: a chain that stops short lost its last events.
    if last.seq < version + 1:
        damage.add(
            DELETED,
            _(
                "thiếu thao tác cuối: hồ sơ ở phiên bản %(version)d nhưng nhật ký dừng ở "
                "thao tác số %(seq)d"
            )
            % {"version": version, "seq": last.seq},
        )
    elif last.seq > version + 1:
        damage.add(
            EDITED,
            _("nhật ký có thao tác số %(seq)d mà hồ sơ mới ở phiên bản %(version)d")
            % {"version": version, "seq": last.seq},
        )
    elif last.to_state != state:
        damage.add(
            EDITED,
            _(
                "trạng thái hồ sơ (%(state)s) không phải trạng thái thao tác cuối "
                "(số %(seq)d) để lại (%(last)s): trạng thái bị sửa không qua thao tác"
            )
            % {"state": state, "seq": last.seq, "last": last.to_state},
        )


def _missing(first: int, last: int) -> str:
    if first == last:
        return _("thiếu thao tác số %(seq)d") % {"seq": first}
    return _("thiếu thao tác số %(first)d đến %(last)d") % {"first": first, "last": last}


def _original_place(event: Event, *, reference: str, events: list[Event]) -> int | None:
    """The number under which `event` hashes after some event of the dossier (or first):
    where it stood when it was written. None when nowhere (its content was changed). Only
    run for a damaged dossier, whose events are few."""
    prevs = [GENESIS, *(other.hash for other in events if other is not event)]
    last = max(other.seq for other in events) + 1
    for seq in range(1, last + 1):
        for prev in prevs:
            if event.hash_at(reference=reference, seq=seq, prev=prev) == event.hash:
                return seq
    return None


_EVENT_FIELDS = (
    "dossier_id",
    "dossier__reference",
    "dossier__code",
    "dossier__state",
    "dossier__version",
    "seq",
    "at",
    "actor_id",
    "action",
    "from_state",
    "to_state",
    "note",
    "payload",
    "hash",
)


DOSSIERS_PER_READ = 1000


def _dossiers_of_events(
    dossier_id: int | None,
) -> Iterator[tuple[int, str, str, str, int, list[Event]]]:
    """(dossier id, reference, shown name, state, version, its events), one at a time.

    Read a thousand dossiers' events per statement, by dossier id: each dossier's events
    and state come from one statement, so from one snapshot, and memory stays bounded even
    where server-side cursors are off (`MOTCUA_DB_TRANSACTION_POOLING`)."""
    events = DossierEvent.objects.order_by("dossier_id", "seq")
    dossiers = Dossier.objects.order_by("pk")
    if dossier_id is not None:
        events = events.filter(dossier_id=dossier_id)
        dossiers = dossiers.filter(pk=dossier_id)
    last = 0
    while True:
        batch = list(dossiers.filter(pk__gt=last).values_list("pk", flat=True)[:DOSSIERS_PER_READ])
        if not batch:
            return
        rows = events.filter(dossier_id__gt=last, dossier_id__lte=batch[-1]).values_list(
            *_EVENT_FIELDS
        )
        current: int | None = None
        reference = name = state = ""
        version = 0
        held: list[Event] = []
        for row in rows:
            if row[0] != current:
                if current is not None:
                    yield current, reference, name, state, version, held
                current, reference, name = row[0], row[1], row[2] or row[1]
                state, version = row[3], row[4]
                held = []
            held.append(Event(*row[5:]))
        if current is not None:
            yield current, reference, name, state, version, held
        last = batch[-1]


def audit_verify(*, dossier_id: int | None = None, on_damage: Callable[[Damage], None]) -> Outcome:
    """Check every chain (or one dossier's) and the roots; each damaged dossier is passed
    to `on_damage` as it is found."""
    outcome = Outcome()
    _roots_check(outcome, full=dossier_id is None)
    from_roots = _heads_check(dossier_id)

    def report(damage: Damage) -> None:
        outcome.damaged += 1
        on_damage(damage)

    for pk, reference, name, state, version, held in _dossiers_of_events(dossier_id):
        outcome.dossiers += 1
        outcome.events += len(held)
        damage = _found(from_roots, pk, name)
        chain_check(damage, reference=reference, state=state, version=version, events=held)
        if damage.kinds:
            report(damage)
    bare = Dossier.objects.filter(~Exists(DossierEvent.objects.filter(dossier=OuterRef("pk"))))
    if dossier_id is not None:
        bare = bare.filter(pk=dossier_id)
    for pk, reference, code in bare.values_list("pk", "reference", "code").iterator():
        outcome.dossiers += 1
        damage = _found(from_roots, pk, code or reference)
        damage.add(DELETED, _("không còn thao tác nào"))
        report(damage)
    for damage in from_roots.values():
        report(damage)
    return outcome


def _found(from_roots: dict[int, Damage], pk: int, name: str) -> Damage:
    """What the roots found about this dossier, to which its chain's findings are added."""
    found = from_roots.pop(pk, None)
    return found if found is not None else Damage(pk, name)


def _heads_check(dossier_id: int | None) -> dict[int, Damage]:
    """Heads recorded by the roots that no longer hold: the event is gone or has another
    hash, or the dossier itself is gone. Keyed by dossier id, to be merged with its chain's
    findings."""
    connection = connections[AuditRootHead.objects.db]
    quote = connection.ops.quote_name
    heads = quote(AuditRootHead._meta.db_table)
    roots = quote(AuditRoot._meta.db_table)
    events = quote(DossierEvent._meta.db_table)
    dossiers = quote(Dossier._meta.db_table)
    where, params = "", []
    if dossier_id is not None:
        where, params = "AND h.dossier_id = %s", [dossier_id]
    found: dict[int, Damage] = {}
    gone: set[int] = set()
    with connection.cursor() as cursor:
        cursor.execute(
            f"SELECT h.dossier_id, h.reference, h.code, h.seq, r.day, d.id, e.id "
            f"FROM {heads} h JOIN {roots} r ON r.id = h.audit_root_id "
            f"LEFT JOIN {dossiers} d ON d.id = h.dossier_id "
            f"LEFT JOIN {events} e ON e.dossier_id = h.dossier_id AND e.seq = h.seq "
            f"WHERE (e.id IS NULL OR e.hash <> h.hash) {where} "
            f"ORDER BY h.dossier_id, h.seq",
            params,
        )
        for dossier_id, reference, code, seq, day, still, event in cursor.fetchall():
            damage = found.setdefault(dossier_id, Damage(dossier_id, code or reference))
            when = date_format(_day(day), "d/m/Y")
            if still is None:
                if dossier_id not in gone:
                    gone.add(dossier_id)
                    damage.add(
                        DELETED,
                        _("hồ sơ đã bị xoá cùng nhật ký (gốc ngày %(day)s ghi thao tác số %(seq)d)")
                        % {"day": when, "seq": seq},
                    )
            elif event is None:
                damage.add(
                    DELETED,
                    _("thiếu thao tác số %(seq)d mà gốc ngày %(day)s đã ghi")
                    % {"seq": seq, "day": when},
                )
            else:
                damage.add(
                    EDITED,
                    _("thao tác số %(seq)d khác với gốc ngày %(day)s") % {"seq": seq, "day": when},
                )
    return found


def _day(value: Any) -> Any:
    # SQLite gives the date back as text from a plain cursor.
    return date.fromisoformat(value) if isinstance(value, str) else value


def _roots_check(outcome: Outcome, *, full: bool) -> None:
    trusted = system_public_hex()
    prev = ROOT_GENESIS
    for root in AuditRoot.objects.order_by("id").iterator():
        outcome.roots += 1
        day = date_format(root.day, "d/m/Y")
        problems = []
        if root.prev != prev:
            problems.append(_("không nối tiếp gốc trước (có gốc bị xoá, chèn hoặc sửa)"))
        if full and heads_digest(heads_of(root)) != (root.heads_count, root.heads_digest):
            problems.append(_("danh sách đầu chuỗi hồ sơ không còn như khi ký"))
        message = message_of(root)
        if hashlib.sha256(message).hexdigest() != root.root:
            problems.append(_("nội dung gốc bị sửa"))
        if not signature_valid(public=root.public_key, signature=root.signature, message=message):
            problems.append(_("chữ ký không hợp lệ"))
        elif trusted is not None and root.public_key != trusted:
            problems.append(_("được ký bằng khoá khác khoá của hệ thống"))
        for problem in problems:
            outcome.root_problems.append(
                _("Gốc ngày %(day)s (số %(id)d): %(problem)s.")
                % {"day": day, "id": root.pk, "problem": problem}
            )
        prev = root.root
    if outcome.roots and trusted is None:
        outcome.warnings.append(
            _(
                "Không có khoá của hệ thống (audit_key.pem trong thư mục var): chữ ký của các "
                "gốc chỉ được kiểm tra bằng khoá công khai lưu kèm; hãy đối chiếu với bản đã "
                "gửi cấp trên."
            )
        )


def dossier_id_find(code: str) -> int | None:
    """The dossier with this code or reference, or one a root recorded and that is gone."""
    found = Dossier.objects.filter(Q(code=code) | Q(reference=code)).values_list("pk", flat=True)
    recorded = AuditRootHead.objects.filter(Q(code=code) | Q(reference=code)).values_list(
        "dossier_id", flat=True
    )
    return found.first() or recorded.first()
