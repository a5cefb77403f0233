"""Readable theme labels: a short phrase from a theme's central fragments, not keywords.

A keyword triple ("icb, connected icb, code") tells a policymaker little. The label here is
the opening clause of one of the theme's representative fragments (the most central ones,
picked by `describe`), the one that covers most of the theme's distinctive words (its
c-TF-IDF keywords), cut at a clause boundary to at most `MAX_WORDS` words. Choosing by the
theme's shared vocabulary, among its most central fragments, makes the label the phrasing
most typical of the theme rather than one contributor's voice; its words are always words
the theme's contributors used. A contested theme made of two camps is labelled by both:
"camp for / camp against".

A language model may propose a label instead (the LLM drafter asks for one per theme);
`check_label` is the guard's test of it: every content word of the label must occur in the
theme's own fragments (allowing for simple inflection), and so must every number. A model
label that fails keeps the extractive one, and the reason is recorded.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from symphonia.core.fragments import Fragment
from symphonia.core.themes import Theme

MAX_WORDS = 9
SIDE_WORDS = 6
_SENTENCE = re.compile(r"(?<=[.!?])\s+")
_CLAUSE = re.compile(
    r"\s*(?:[;:—–()]|\s-\s|,\s*(?:but|so|because|which|while|although|unless|and then)\b"
    r"|\s(?:because|so that|unless|rather than|otherwise)\b)",
    re.IGNORECASE,
)
_WORD = re.compile(r"[A-Za-z][A-Za-z'’-]*|\d+(?:[.,]\d+)?%?")
STOP = frozenset(
    [
        "a",
        "an",
        "the",
        "and",
        "or",
        "of",
        "to",
        "in",
        "on",
        "for",
        "with",
        "by",
        "at",
        "as",
        "is",
        "are",
        "be",
        "been",
        "was",
        "were",
        "it",
        "its",
        "this",
        "that",
        "these",
        "those",
        "from",
        "into",
        "than",
        "then",
        "so",
        "but",
        "if",
        "not",
        "no",
        "we",
        "our",
        "they",
        "their",
        "there",
        "which",
        "who",
        "whom",
        "should",
        "would",
        "could",
        "can",
        "will",
        "may",
        "might",
        "must",
        "has",
        "have",
        "had",
        "do",
        "does",
        "did",
    ]
)
MODEL_METHOD = "; the language model's where the guard accepts them"
METHOD = "the opening clause of the theme's most typical central fragment"


def _content(word: str) -> str:
    return word.lower().strip("'’-")


def _stem(word: str) -> str:
    w = _content(word)
    for suffix in ("ies", "es", "s", "ing", "ed"):
        if len(w) > len(suffix) + 2 and w.endswith(suffix):
            return w[: -len(suffix)]
    return w


def _clause(text: str, limit: int) -> str:
    sentence = _SENTENCE.split(" ".join(text.split()), maxsplit=1)[0]
    clause = _CLAUSE.split(sentence, maxsplit=1)[0].strip(" ,.;:!?\"'“”‘’")
    words = clause.split()[:limit]
    while words and _content(words[-1].strip(",.;:")) in STOP:
        words.pop()
    phrase = " ".join(words).strip(" ,.;:")
    return phrase[:1].upper() + phrase[1:] if phrase else ""


def _keyword_words(keywords: Sequence[str]) -> set[str]:
    return {_stem(w) for k in keywords for w in k.split() if _content(w) not in STOP}


def phrase_for(
    ids: Sequence[str], fragments: Mapping[str, Fragment], keywords: Sequence[str], limit: int
) -> str:
    """The best clause among `ids` (central first): most keywords covered, then the earlier."""
    wanted = _keyword_words(keywords)
    best, best_score = "", -1
    for rank, fid in enumerate(ids):
        fragment = fragments.get(fid)
        if fragment is None:
            continue
        phrase = _clause(fragment.text, limit)
        if len(phrase.split()) < 2:
            continue
        covered = len({_stem(w) for w in _WORD.findall(phrase)} & wanted)
        score = covered * 10 - rank
        if score > best_score:
            best, best_score = phrase, score
    return best


def extractive_label(theme: Theme, fragments: Mapping[str, Fragment]) -> str:
    """The theme's readable label (see the module docstring); its old label if none fits."""
    sides = [ids for side, ids in theme.positions.items() if side in ("for", "against")]
    if len(sides) == 2 and " / " in theme.label:
        parts = []
        for ids in sides:
            central = [i for i in theme.representative_ids if i in set(ids)] or list(ids[:3])
            parts.append(phrase_for(central, fragments, theme.keywords, SIDE_WORDS))
        if all(parts):
            return " / ".join(parts)
    phrase = phrase_for(theme.representative_ids, fragments, theme.keywords, MAX_WORDS)
    return phrase or theme.label


def readable_labels(themes: Sequence[Theme], fragments: Mapping[str, Fragment]) -> list[Theme]:
    return [replace(t, label=extractive_label(t, fragments)[:300]) for t in themes]


def check_label(label: str, theme: Theme, fragments: Mapping[str, Fragment]) -> str | None:
    """Why a proposed label may not stand (None: it may): it must be a short phrase whose
    content words and numbers all occur in the theme's own fragments."""
    words = _WORD.findall(label)
    if not words or len(words) > MAX_WORDS + 3:
        return f"a label needs 1 to {MAX_WORDS + 3} words; this one has {len(words)}"
    said = {
        _stem(w)
        for fid in theme.fragment_ids
        if fid in fragments
        for w in _WORD.findall(fragments[fid].text)
    }
    absent = [w for w in words if _content(w) not in STOP and _stem(w) not in said]
    if absent:
        return f"names what the theme's fragments do not: {', '.join(dict.fromkeys(absent))}"
    return None


def apply_model_labels(
    themes: Sequence[Theme], proposed: Mapping[str, str], fragments: Mapping[str, Fragment]
) -> tuple[list[Theme], dict[str, Any]]:
    """Themes with the model's labels where they pass `check_label`, and the record of it."""
    out: list[Theme] = []
    record: dict[str, Any] = {}
    for theme in themes:
        label = proposed.get(theme.id)
        if label is None:
            out.append(theme)
            continue
        label = " ".join(label.split())
        problem = check_label(label, theme, fragments)
        if problem is None:
            part = theme.label[theme.label.rfind(" (") :] if _is_part(theme) else ""
            out.append(replace(theme, label=(label + part)[:300]))
            record[theme.id] = {"origin": "llm", "extractive": theme.label}
        else:
            out.append(theme)
            record[theme.id] = {"origin": "extractive", "rejected": label, "reason": problem}
    return out, record


def _is_part(theme: Theme) -> bool:
    """A rated theme shown in parts keeps its part in the label ("... (agreed)")."""
    return "-" in theme.id and theme.label.endswith(")") and " (" in theme.label
