"""The tally's rule at its exact edges: more than half of ALL members agree."""

from __future__ import annotations

import pytest

from motcua.ballots.rules import ADOPTED_WHEN_AGREE_OVER, Tally


def test_the_rule_is_more_than_half():
    assert ADOPTED_WHEN_AGREE_OVER.numerator == 1
    assert ADOPTED_WHEN_AGREE_OVER.denominator == 2


@pytest.mark.parametrize(
    ("members", "agree", "disagree", "comment", "adopted", "no_answer"),
    [
        (5, 3, 0, 0, True, 2),
        (5, 3, 2, 0, True, 0),
        (5, 2, 0, 0, False, 3),  # 2 agree + 3 no answer: returned
        (5, 2, 0, 3, False, 0),
        (4, 2, 2, 0, False, 0),  # exactly half is not more than half
        (4, 3, 0, 0, True, 1),
        (1, 1, 0, 0, True, 0),
        (1, 0, 0, 0, False, 1),
        (2, 1, 0, 0, False, 1),
        (0, 0, 0, 0, False, 0),
    ],
)
def test_tally_edges(members, agree, disagree, comment, adopted, no_answer):
    tally = Tally(members=members, agree=agree, disagree=disagree, comment_only=comment)
    assert tally.adopted is adopted
    assert tally.no_answer == no_answer
