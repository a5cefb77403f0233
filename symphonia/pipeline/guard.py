"""The faithfulness guard: run on every draft (extractive or LLM) and on every edited
statement before an editor or reader sees it (DESIGN.md §5).

Per statement it stores a verdict in `Statement.guard`:
``{"ok": bool, "flags": [{"code", "message"}], "support": float}`` (plus ``"notes"``, the
drafter's informational remarks, e.g. that a statement was restored from the extractive
draft). Flag codes:

- ``no_citation``, ``invalid_citation`` (no such fragment), ``citation_outside_theme``
  (a fragment of another theme, or a theme fragment cited by a singular-view statement),
  ``unknown_theme`` — check (a);
- ``unsupported`` — support below the threshold, see `guard_support` — check (b);
- ``contested_as_consensus``, ``wrong_section``, ``overstated_agreement``,
  ``overstated_strength``, ``minority_unnamed`` — see `guard_agreement` — check (c);
- ``number_mismatch`` — see `guard_figures` — check (d);
- drafter flags such as ``section_overridden`` are carried into ``flags`` as they are.

Coverage (check e) is synthesis-wide: uncovered subjects go to the dissent ledger
(`guard_coverage`). Nothing is ever dropped: a failing statement stays, flagged.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from symphonia.core.fragments import Fragment
from symphonia.core.synthesis import Statement, Synthesis
from symphonia.core.themes import Theme
from symphonia.pipeline.contracts import Embedder
from symphonia.pipeline.guard_agreement import (
    DEFAULT_AGREEMENT_THRESHOLD,
    Flag,
    agreement_flags,
    own_words,
    singular_flags,
    unanimity_claim,
)
from symphonia.pipeline.guard_coverage import coverage_gaps, merge_ledger
from symphonia.pipeline.guard_figures import (
    citation_figures,
    claimed_numbers,
    matches,
    text_figures,
    theme_figures,
)
from symphonia.pipeline.guard_support import DEFAULT_SUPPORT_THRESHOLD, SupportScorer

__all__ = [
    "DEFAULT_AGREEMENT_THRESHOLD",
    "DEFAULT_SUPPORT_THRESHOLD",
    "Guard",
    "guard_statement",
    "guard_synthesis",
]


def _flag(code: str, message: str) -> Flag:
    return {"code": code, "message": message}


class Guard:
    """Checks statements against one round's themes, singular views and fragments."""

    def __init__(
        self,
        themes: Sequence[Theme],
        singular_views: Sequence[str],
        fragments: Mapping[str, Fragment],
        embedder: Embedder,
        support_threshold: float = DEFAULT_SUPPORT_THRESHOLD,
        agreement_threshold: float = DEFAULT_AGREEMENT_THRESHOLD,
    ) -> None:
        self.themes = {t.id: t for t in themes}
        self.singular = set(singular_views)
        self.fragments = fragments
        self.support_threshold = support_threshold
        self.agreement_threshold = agreement_threshold
        self.scorer = SupportScorer(embedder, fragments)
        self._figures = {t.id: theme_figures(t) for t in themes}

    def _citation_flags(self, st: Statement) -> tuple[list[Flag], list[str]]:
        """Check (a); returns the flags and the citations that are valid for this statement."""
        if not st.citations:
            return [_flag("no_citation", "the statement cites no fragment")], []
        theme = self.themes.get(st.theme_id) if st.theme_id is not None else None
        if st.theme_id is not None and theme is None:
            return [_flag("unknown_theme", f"theme {st.theme_id!r} does not exist")], []
        home = set(theme.fragment_ids) if theme is not None else self.singular
        flags: list[Flag] = []
        valid: list[str] = []
        for fid in dict.fromkeys(st.citations):
            if fid not in self.fragments:
                flags.append(_flag("invalid_citation", f"fragment {fid!r} does not exist"))
            elif fid not in home:
                where = f"theme {st.theme_id!r}" if theme is not None else "the singular views"
                flags.append(_flag("citation_outside_theme", f"fragment {fid!r} is not in {where}"))
            else:
                valid.append(fid)
        return flags, valid

    def _number_flags(self, st: Statement, valid: Sequence[str]) -> list[Flag]:
        """Check (d): every stated number is a computed figure or quoted from cited evidence."""
        claims = claimed_numbers(st.text)
        if not claims:
            return []
        cited = [self.fragments[i] for i in valid]
        allowed = text_figures(f.text for f in cited) | citation_figures(cited)
        if st.theme_id is not None and st.theme_id in self._figures:
            allowed |= self._figures[st.theme_id]
        else:
            allowed |= {1.0, 5.0, *(float(self.fragments[i].confidence) for i in valid)}
        wrong = [c.raw for c in claims if not matches(c, allowed)]
        if not wrong:
            return []
        return [
            _flag(
                "number_mismatch",
                f"{', '.join(repr(w) for w in wrong)} matches no computed figure of this "
                "theme and no number in the cited fragments",
            )
        ]

    def verdict(self, st: Statement) -> dict[str, Any]:
        """The guard verdict for one statement (does not modify it)."""
        previous = st.guard or {}
        flags: list[Flag] = [dict(f) for f in previous.get("drafter_flags", [])]
        citation_flags, valid = self._citation_flags(st)
        flags += citation_flags
        support = self.scorer.support(st.text, valid) if valid else 0.0
        if valid and support < self.support_threshold:
            flags.append(
                _flag(
                    "unsupported",
                    f"support {support:.2f} is below {self.support_threshold:.2f}: the cited "
                    "fragments do not say this",
                )
            )
        theme = self.themes.get(st.theme_id) if st.theme_id is not None else None
        claim = own_words(st.text, [self.fragments[i].text for i in valid])
        if theme is not None:
            flags += agreement_flags(st, theme, self.agreement_threshold, claim)
        elif st.theme_id is None:
            flags += singular_flags(st, claim)
        flags += self._number_flags(st, valid)
        out: dict[str, Any] = {"ok": not flags, "flags": flags, "support": support}
        for key in ("notes", "drafter_flags"):
            if previous.get(key):
                out[key] = previous[key]
        return out

    def check(self, st: Statement) -> Statement:
        return replace(st, guard=self.verdict(st))

    def overview_verdict(self, text: str) -> dict[str, Any]:
        """The overview cites nothing, so: no unanimity, and only figures of the round."""
        flags: list[Flag] = []
        word = unanimity_claim(text)
        if word:
            flags.append(_flag("overstated_agreement", f"{word!r} claims unanimity"))
        allowed = {float(len(self.themes)), float(len(self.singular))}
        for figures in self._figures.values():
            allowed |= figures
        wrong = [c.raw for c in claimed_numbers(text) if not matches(c, allowed)]
        if wrong:
            flags.append(
                _flag("number_mismatch", f"{', '.join(map(repr, wrong))} is no computed figure")
            )
        return {"ok": not flags, "flags": flags}


def guard_statement(
    statement: Statement,
    themes: Sequence[Theme],
    singular_views: Sequence[str],
    fragments: Mapping[str, Fragment],
    embedder: Embedder,
    support_threshold: float = DEFAULT_SUPPORT_THRESHOLD,
    agreement_threshold: float = DEFAULT_AGREEMENT_THRESHOLD,
) -> Statement:
    """Guard one (e.g. edited) statement; returns a copy with `guard` filled in."""
    guard = Guard(
        themes, singular_views, fragments, embedder, support_threshold, agreement_threshold
    )
    return guard.check(statement)


def guard_synthesis(
    synthesis: Synthesis,
    themes: Sequence[Theme],
    singular_views: Sequence[str],
    fragments: Mapping[str, Fragment],
    embedder: Embedder,
    support_threshold: float = DEFAULT_SUPPORT_THRESHOLD,
    agreement_threshold: float = DEFAULT_AGREEMENT_THRESHOLD,
) -> Synthesis:
    """Guard every statement, extend the dissent ledger, and summarise in meta["guard"]."""
    guard = Guard(
        themes, singular_views, fragments, embedder, support_threshold, agreement_threshold
    )
    stmts = synthesis.statements
    guard.scorer.prepare([s.text for s in stmts], [i for s in stmts for i in s.citations])
    checked = tuple(guard.check(s) for s in stmts)
    gaps, covered = coverage_gaps(checked, themes, singular_views)
    ledger = merge_ledger(synthesis.ledger, gaps, covered)
    codes = Counter(f["code"] for s in checked for f in s.guard["flags"])
    cited = {i for s in checked for i in s.citations}
    all_ids = [i for t in themes for i in t.fragment_ids] + list(singular_views)
    meta = dict(synthesis.meta)
    overview = meta.get("overview")
    if isinstance(overview, dict) and isinstance(overview.get("text"), str):
        meta["overview"] = {**overview, "guard": guard.overview_verdict(overview["text"])}
    meta["guard"] = {
        "support_threshold": support_threshold,
        "agreement_threshold": agreement_threshold,
        "embedding_model": embedder.model_id,
        "statements": len(checked),
        "flagged": sum(1 for s in checked if not s.guard["ok"]),
        "flags_by_code": dict(sorted(codes.items())),
        "ledger_entries": len(ledger),
        "uncited_fragments": sorted(i for i in all_ids if i not in cited),
    }
    return replace(synthesis, statements=checked, ledger=ledger, meta=meta)
