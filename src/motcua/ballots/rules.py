"""The rule of the tally, as data: a draft is adopted when MORE than this share of the ballot's
members agree — every member counts, an unanswered ballot is not an agreement. With five
members three agreements adopt and two do not; with four, two do not (half is not more than
half) and three do."""

from __future__ import annotations

from dataclasses import dataclass
from fractions import Fraction

ADOPTED_WHEN_AGREE_OVER = Fraction(1, 2)


@dataclass(frozen=True)
class Tally:
    members: int
    agree: int
    disagree: int
    comment_only: int

    @property
    def no_answer(self) -> int:
        return self.members - self.agree - self.disagree - self.comment_only

    @property
    def adopted(self) -> bool:
        return self.members > 0 and self.agree > self.members * ADOPTED_WHEN_AGREE_OVER
