"""The Schulze method and the Borda count against published worked examples, and their
invariants as properties (hypothesis)."""

from __future__ import annotations

import itertools
import random

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from symphonia.core.priorities.borda import borda_points, borda_ranks
from symphonia.core.priorities.schulze import schulze, schulze_from_pairwise


def ballots(*groups: tuple[int, str]) -> list[dict[str, float]]:
    """`(count, "ACBED")`: count voters ranking A first, C second, ... (no ties)."""
    out = []
    for count, order in groups:
        out += [{c: float(len(order) - k) for k, c in enumerate(order)} for _ in range(count)]
    return out


# Wikipedia, "Schulze method", worked example: 45 voters, 5 candidates.
WIKIPEDIA = ballots(
    (5, "ACBED"), (5, "ADECB"), (8, "BEDAC"), (3, "CABED"),
    (7, "CAEBD"), (2, "CBADE"), (7, "DCEBA"), (8, "EBADC"),
)  # fmt: skip


def test_wikipedia_example_pairwise_matrix_strongest_paths_and_ranking() -> None:
    result = schulze(WIKIPEDIA, list("ABCDE"))
    assert result.d == (
        (0, 20, 26, 30, 22),
        (25, 0, 16, 33, 18),
        (19, 29, 0, 17, 24),
        (15, 12, 28, 0, 14),
        (23, 27, 21, 31, 0),
    )
    assert result.p == (
        (0, 28, 28, 30, 24),
        (25, 0, 28, 33, 24),
        (25, 29, 0, 29, 24),
        (25, 28, 28, 0, 24),
        (25, 28, 28, 31, 0),
    )
    assert result.levels == (("E",), ("A",), ("C",), ("B",), ("D",))
    assert result.ranks == {"E": 1, "A": 2, "C": 3, "B": 4, "D": 5}


# Wikipedia's Tennessee capital example (per 100 voters), used on the Borda, Condorcet and
# Schulze pages alike: M = Memphis, N = Nashville, C = Chattanooga, K = Knoxville.
TENNESSEE = ballots((42, "MNCK"), (26, "NCKM"), (15, "CKNM"), (17, "KCNM"))


def test_tennessee_schulze_ranking() -> None:
    result = schulze(TENNESSEE, list("MNCK"))
    assert result.levels == (("N",), ("C",), ("K",), ("M",))


def test_tennessee_borda_count() -> None:
    points = borda_points(TENNESSEE, list("MNCK"))
    assert points == {"M": 126, "N": 194, "C": 173, "K": 107}
    assert borda_ranks(points) == {"N": 1, "C": 2, "M": 3, "K": 4}


def test_a_symmetric_condorcet_cycle_is_a_three_way_tie() -> None:
    result = schulze(ballots((1, "ABC"), (1, "BCA"), (1, "CAB")), list("ABC"))
    assert result.d == ((0, 2, 1), (1, 0, 2), (2, 1, 0))
    assert result.levels == (("A", "B", "C"),)
    assert result.ranks == {"A": 1, "B": 1, "C": 1}


def test_a_condorcet_cycle_is_broken_at_its_weakest_link() -> None:
    # A>B 6:3, B>C 7:2, C>A 5:4: the cycle's weakest link (C over A, 5) gives way.
    result = schulze(ballots((4, "ABC"), (3, "BCA"), (2, "CAB")), list("ABC"))
    assert result.p == ((0, 6, 6), (5, 0, 7), (5, 5, 0))
    assert result.levels == (("A",), ("B",), ("C",))


def test_ties_on_a_ballot_and_unjudged_items_count_for_neither_side() -> None:
    both = [{"A": 5.0, "B": 5.0}, {"A": 9.0}]  # a tie, then an opinion of A alone
    result = schulze(both, ["A", "B"])
    assert result.d == ((0, 0), (0, 0))
    assert result.levels == (("A", "B"),)
    assert borda_points(both, ["A", "B"]) == {"A": 0.5, "B": 0.5}


# Properties ---------------------------------------------------------------------------------

NAMES = "ABCDE"


@st.composite
def elections(draw: st.DrawFn) -> tuple[list[str], list[dict[str, float]]]:
    n = draw(st.integers(2, 5))
    candidates = list(NAMES[:n])
    ballot = st.dictionaries(st.sampled_from(candidates), st.integers(1, 4).map(float))
    return candidates, draw(st.lists(ballot, min_size=0, max_size=12))


def _brute_force_paths(d: tuple[tuple[int, ...], ...]) -> list[list[int]]:
    """Reference: the strongest path by enumerating every simple path (fine for n <= 5)."""
    n = len(d)
    link = [[d[i][j] if i != j and d[i][j] > d[j][i] else 0 for j in range(n)] for i in range(n)]
    best = [[0] * n for _ in range(n)]
    for i, j in itertools.permutations(range(n), 2):
        others = [k for k in range(n) if k not in (i, j)]
        for length in range(len(others) + 1):
            for middle in itertools.permutations(others, length):
                path = (i, *middle, j)
                best[i][j] = max(best[i][j], min(link[a][b] for a, b in itertools.pairwise(path)))
    return best


@settings(max_examples=80, deadline=None)
@given(elections())
def test_strongest_paths_match_a_brute_force_reference(
    election: tuple[list[str], list[dict[str, float]]],
) -> None:
    candidates, votes = election
    result = schulze(votes, candidates)
    assert [list(row) for row in result.p] == _brute_force_paths(result.d)


@settings(max_examples=150, deadline=None)
@given(elections())
def test_the_ranking_is_a_weak_order_consistent_with_the_beatpath_relation(
    election: tuple[list[str], list[dict[str, float]]],
) -> None:
    candidates, votes = election
    result = schulze(votes, candidates)
    assert sorted(c for level in result.levels for c in level) == sorted(candidates)
    ranks = result.ranks
    for a, b in itertools.permutations(candidates, 2):
        if result.beats(a, b):
            assert ranks[a] < ranks[b]
            assert not result.beats(b, a)
        for c in candidates:
            if result.beats(a, b) and result.beats(b, c) and a != c:
                assert result.beats(a, c)  # transitive (Schulze 2011, §4.1)
    for level in result.levels:
        assert not any(result.beats(a, b) for a, b in itertools.permutations(level, 2))


@settings(max_examples=150, deadline=None)
@given(elections())
def test_a_condorcet_winner_is_ranked_first_alone(
    election: tuple[list[str], list[dict[str, float]]],
) -> None:
    candidates, votes = election
    result = schulze(votes, candidates)
    index = {c: i for i, c in enumerate(candidates)}
    for w in candidates:
        if all(
            result.d[index[w]][index[x]] > result.d[index[x]][index[w]]
            for x in candidates
            if x != w
        ):
            assert result.levels[0] == (w,)


@settings(max_examples=100, deadline=None)
@given(elections(), st.randoms(use_true_random=False))
def test_neither_method_depends_on_the_order_of_the_ballots(
    election: tuple[list[str], list[dict[str, float]]], rnd: random.Random
) -> None:
    candidates, votes = election
    shuffled = list(votes)
    rnd.shuffle(shuffled)
    assert schulze(shuffled, candidates) == schulze(votes, candidates)
    assert borda_points(shuffled, candidates) == borda_points(votes, candidates)


@settings(max_examples=100, deadline=None)
@given(elections())
def test_borda_gives_each_judged_pair_exactly_one_point(
    election: tuple[list[str], list[dict[str, float]]],
) -> None:
    candidates, votes = election
    pairs = sum(len(b) * (len(b) - 1) / 2 for b in votes)
    assert sum(borda_points(votes, candidates).values()) == pairs


def test_schulze_refuses_a_malformed_matrix() -> None:
    with pytest.raises(ValueError, match="3 × 3"):
        schulze_from_pairwise([[0, 1], [1, 0]], ["A", "B", "C"])
    with pytest.raises(ValueError, match="distinct"):
        schulze_from_pairwise([[0, 1], [1, 0]], ["A", "A"])
