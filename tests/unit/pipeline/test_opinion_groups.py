"""Opinion groups from the vote matrix: PCA + k-means by silhouette, seeded and deterministic."""

from __future__ import annotations

import random

from hypothesis import given, settings
from hypothesis import strategies as st

from symphonia.core.fragments import Rating
from symphonia.core.protocol import OpinionGrouping, RatingScale
from symphonia.pipeline.opinion_groups import form_opinion_groups

SCALE = RatingScale(1, 3)


def blocs(sizes: tuple[int, ...], comments: int = 12, seed: int = 0) -> list[Rating]:
    """Voters in blocs: the first bloc's stance per comment, the others' its opposite; with
    some noise (a pass instead) and gaps (comments not shown)."""
    rng = random.Random(seed)
    stance = [rng.choice([1, 3]) for _ in range(comments)]
    ratings: list[Rating] = []
    for bloc, size in enumerate(sizes):
        for v in range(size):
            for c in range(comments):
                if rng.random() < 0.15:
                    continue
                base = stance[c] if bloc == 0 else 4 - stance[c]
                score = base if rng.random() > 0.1 else 2
                ratings.append(Rating(f"c{c}", f"V{bloc}{v:03d}", score))
    return ratings


def test_two_opposed_blocs_are_found_largest_first() -> None:
    ratings = blocs((30, 18))
    groups = form_opinion_groups(ratings, SCALE)
    assert groups.k == 2
    assert groups.sizes() == {"opinion-group-1": 30, "opinion-group-2": 18}
    assert {groups.members[f"V0{v:03d}"] for v in range(30)} == {"opinion-group-1"}
    assert {groups.members[f"V1{v:03d}"] for v in range(18)} == {"opinion-group-2"}
    assert groups.silhouette is not None
    assert groups.silhouette > 0.5
    summary = groups.summary()
    assert summary["placed"] == 48
    assert summary["unplaced"] == 0
    assert summary["method"].startswith("PCA")


def test_participants_with_too_few_votes_stay_ungrouped() -> None:
    ratings = [*blocs((20, 20)), Rating("c0", "late", 3), Rating("c1", "late", 3)]
    groups = form_opinion_groups(ratings, SCALE)
    assert "late" not in groups.members
    assert groups.participants == 41
    assert groups.placed == 40
    assert groups.threshold == 7
    few_items = [Rating(f"c{c}", f"P{p}", 3 if p % 2 else 1) for p in range(8) for c in range(3)]
    assert form_opinion_groups(few_items, SCALE).threshold == 3  # every item, when fewer than 7


def test_too_few_or_identical_voters_form_no_groups_and_say_why() -> None:
    tiny = form_opinion_groups(blocs((2, 1)), SCALE)
    assert tiny.k == 0
    assert tiny.members == {}
    assert "at least 4 are needed" in tiny.note
    same = [Rating(f"c{c}", f"P{p}", 3) for p in range(10) for c in range(8)]
    alike = form_opinion_groups(same, SCALE)
    assert alike.k == 0
    assert "all rated alike" in alike.note


def test_same_ratings_same_groups_and_the_seed_is_recorded() -> None:
    ratings = blocs((25, 25, 12), seed=3)
    first = form_opinion_groups(ratings, SCALE, OpinionGrouping(seed=7))
    again = form_opinion_groups(list(ratings), SCALE, OpinionGrouping(seed=7))
    assert first.members == again.members
    assert first.summary()["seed"] == 7


@settings(deadline=None, max_examples=25)
@given(st.randoms(use_true_random=False), st.integers(0, 4))
def test_order_and_names_of_voters_do_not_change_the_groups(
    shuffler: random.Random, seed: int
) -> None:
    ratings = blocs((22, 14, 9), seed=seed)
    groups = form_opinion_groups(ratings, SCALE)
    shuffled = list(ratings)
    shuffler.shuffle(shuffled)
    names = sorted({r.rater for r in ratings})
    new_names = list(names)
    shuffler.shuffle(new_names)
    rename = dict(zip(names, (f"Z{n}" for n in new_names), strict=True))
    renamed = form_opinion_groups(
        [Rating(r.item, rename[r.rater], r.score) for r in shuffled], SCALE
    )
    assert renamed.k == groups.k
    assert {rename[p]: g for p, g in groups.members.items()} == renamed.members
