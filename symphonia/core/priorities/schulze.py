"""The Schulze method: a ranking of the items from the raters' own rankings.

A weighted mean can be carried by a few raters with extreme scores; the Schulze method asks
instead, pair by pair, how many raters put one item above the other, so each rater counts
once per pair whatever the size of their scores. It is Condorcet-consistent (an item that
beats every other one head to head is ranked first) and it resolves cycles (A over B, B over
C, C over A) by their strongest paths rather than by chance (Schulze 2011, "A new monotonic,
clone-independent, reversal symmetric, and Condorcet-consistent single-winner election
method", Social Choice and Welfare 36:267–303).

Steps, as the paper and its worked examples define them:

1. ``d[X][Y]``: the number of raters who strictly prefer X to Y. A rater who scored X and Y
   alike prefers neither; a rater who scored only one of them (or neither) has no opinion on
   the pair and is not counted: "cannot judge" is not a low rank.
2. The link X→Y has strength ``d[X][Y]`` when ``d[X][Y] > d[Y][X]`` and 0 otherwise
   ("winning votes").
3. ``p[X][Y]``: the strength of the strongest path from X to Y, a path's strength being its
   weakest link (a widest-path Floyd–Warshall).
4. X beats Y when ``p[X][Y] > p[Y][X]``. This relation is transitive (the paper's §4.1), so
   the ranking is built in levels: the items no remaining item beats come next, tied with
   each other. That is a weak order in which an item always ranks above every item it
   beats; items that beat each other in neither direction share a level and a rank.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

Matrix = tuple[tuple[int, ...], ...]


@dataclass(frozen=True, slots=True)
class SchulzeResult:
    candidates: tuple[str, ...]
    d: Matrix
    """d[i][j]: raters who strictly prefer candidate i to candidate j."""
    p: Matrix
    """p[i][j]: strength of the strongest path from i to j."""
    levels: tuple[tuple[str, ...], ...]
    """The ranking: first level first; candidates within a level are tied."""

    @property
    def ranks(self) -> dict[str, int]:
        """Competition ranks: a level's rank is one more than the candidates above it."""
        out: dict[str, int] = {}
        above = 0
        for level in self.levels:
            for c in level:
                out[c] = above + 1
            above += len(level)
        return out

    def beats(self, a: str, b: str) -> bool:
        i, j = self.candidates.index(a), self.candidates.index(b)
        return self.p[i][j] > self.p[j][i]


def pairwise_preferences(
    ballots: Sequence[Mapping[str, float]], candidates: Sequence[str]
) -> list[list[int]]:
    """d[i][j] from ballots that score candidates (higher = preferred; absent = no opinion)."""
    n = len(candidates)
    d = [[0] * n for _ in range(n)]
    for ballot in ballots:
        for i, a in enumerate(candidates):
            if a not in ballot:
                continue
            for j, b in enumerate(candidates):
                if i != j and b in ballot and ballot[a] > ballot[b]:
                    d[i][j] += 1
    return d


def strongest_paths(d: Sequence[Sequence[int]]) -> list[list[int]]:
    """p from d: winning-votes link strengths, then widest paths (Floyd–Warshall)."""
    n = len(d)
    p = [[d[i][j] if i != j and d[i][j] > d[j][i] else 0 for j in range(n)] for i in range(n)]
    for i in range(n):
        for j in range(n):
            if i == j:
                continue
            for k in range(n):
                if k not in (i, j):
                    p[j][k] = max(p[j][k], min(p[j][i], p[i][k]))
    return p


def schulze_from_pairwise(d: Sequence[Sequence[int]], candidates: Sequence[str]) -> SchulzeResult:
    """The Schulze ranking from a pairwise preference matrix (see the module docstring)."""
    n = len(candidates)
    if len(set(candidates)) != n:
        raise ValueError("Schulze: candidates must be distinct")
    if len(d) != n or any(len(row) != n for row in d):
        raise ValueError(f"Schulze: the pairwise matrix must be {n} × {n}")
    p = strongest_paths(d)
    remaining = list(range(n))
    levels: list[tuple[str, ...]] = []
    while remaining:
        level = [a for a in remaining if not any(p[b][a] > p[a][b] for b in remaining)]
        if not level:  # impossible for a transitive relation; never loop forever
            raise AssertionError("Schulze: the beat relation has a cycle")
        levels.append(tuple(sorted(candidates[a] for a in level)))
        remaining = [a for a in remaining if a not in level]
    return SchulzeResult(
        candidates=tuple(candidates),
        d=tuple(tuple(row) for row in d),
        p=tuple(tuple(row) for row in p),
        levels=tuple(levels),
    )


def schulze(ballots: Sequence[Mapping[str, float]], candidates: Sequence[str]) -> SchulzeResult:
    """The Schulze ranking of `candidates` from score ballots."""
    return schulze_from_pairwise(pairwise_preferences(ballots, candidates), candidates)
