"""A rated item whose evidence the clustering left as singular views becomes a theme of its own.

A singular view is one contributor's view that nothing else in the round resembles. Once the
panel has rated it, that is no longer all it is: a comment that 90 % of every opinion group
agreed with is one of the strongest consensus findings of the round, and listing it as
"singular view, one contributor" would misreport it. So, after clustering and before themes
are described, the singular fragments behind each item that enough people rated to judge
(any call but too few ratings) form one new cluster per item, which the ratings then call
like any other theme. An item with too few ratings leaves its fragments singular, and its
verdict is still reported with the rated items outside themes.

Text similarity is not invented: the new theme holds exactly the fragments that the rated
item stands for (one comment for Polis; the fragments a facilitator cited for a statement).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from symphonia.core.fragments import Fragment
from symphonia.core.verdicts import ItemCall
from symphonia.pipeline.rating_judge import Judge


def promote_rated_singulars(
    fragments: Sequence[Fragment],
    labels: Sequence[int],
    items: Mapping[str, Sequence[str]],
    judge: Judge,
) -> tuple[list[int], list[str]]:
    """New cluster labels, and the items whose singular evidence became a theme.

    Only items none of whose fragments are in a theme are considered (an item with any
    fragment in a theme is called with that theme). Items are taken in id order, so an item
    sharing a fragment with one promoted before it is called with that item's new theme.
    """
    out = list(labels)
    position = {f.id: i for i, f in enumerate(fragments)}
    next_label = max([*out, -1]) + 1
    promoted: list[str] = []
    for item in sorted(items):
        mine = [position[f] for f in items[item] if f in position]
        if not mine or any(out[i] >= 0 for i in mine):
            continue
        verdict = judge.verdict(item)
        if verdict is None or verdict.call is ItemCall.TOO_FEW:
            continue
        for i in mine:
            out[i] = next_label
        next_label += 1
        promoted.append(item)
    return out, promoted
