"""The rating checks `analyze` and `ratings import` share, in one wording."""

from __future__ import annotations

from symphonia.core.fragments import Rating
from symphonia.core.protocol import RatingScale
from symphonia.core.rating_rules import (
    citation_problems,
    item_label,
    rating_label,
    rating_problems,
    score_problem,
)
from symphonia.core.study import RatingItem

SCALE = RatingScale(1, 9)


def test_a_rating_is_checked_against_items_panel_and_scale() -> None:
    r = Rating("s9", "E09", 0)
    assert rating_label(r) == "rating of 's9' by 'E09'"
    assert rating_problems(r, SCALE, {"s1"}, {"E01"}) == [
        ("item", "unknown item 's9'"),
        ("rater", "'E09' is not on the panel"),
        ("score", "0 is outside the scale 1–9"),
    ]
    assert rating_problems(r, SCALE, {"s9"}) == [("score", "0 is outside the scale 1–9")]
    assert rating_problems(Rating("s1", "E01", 9), SCALE, {"s1"}, {"E01"}) == []
    assert score_problem(5, SCALE) is None


def test_an_item_must_cite_existing_fragments() -> None:
    item = RatingItem("s2", "t", ("f1", "F 12", "f3"))
    assert item_label(item) == "item 's2'"
    assert citation_problems(item, {"f1"}, "the evidence round") == [
        ("fragment_ids", "cites unknown fragment 'F 12', which is not in the evidence round"),
        ("fragment_ids", "cites unknown fragment 'f3', which is not in the evidence round"),
    ]
    assert citation_problems(item, {"f1", "F 12", "f3"}) == []
