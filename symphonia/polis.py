"""Import a Polis open-data export (comments.csv, votes.csv, summary.csv) as fragments and ratings.

Polis conversations are the nearest public cousin of a Delphi round: short statements from
participants, and agree / pass / disagree votes on them. Importing one lets a facilitator run
Symphonia's analysis on real deliberation data. The mapping, chosen to lose nothing:

- each comment becomes ``Fragment(id="c<comment-id>", author="P<author-id>", kind="claim",
  confidence=3)`` — Polis has no kinds or confidence, so the neutral values are used;
- comments moderated out (``moderated == -1``) are excluded, and counted, as are the votes
  on them: a moderator's decision is respected, but never silently;
- so are comments whose text holds a character that cannot be stored or shown (a control
  character, say; see :mod:`symphonia.core.text_rules`): one garbled comment of a
  third-party export should not refuse the whole conversation, so it is left out, counted
  and its line reported, with its votes;
- each vote becomes ``Rating(item=<fragment id>, rater="P<voter-id>", score)`` on a 3-point
  scale, disagree=1, pass=2, agree=3; a voter who changed their mind counts once, with the
  latest vote by timestamp (ties: the later row).

Columns may come in any order and extra columns are ignored; missing files or columns,
malformed cells, bytes that are not UTF-8, and control characters in the summary values that
are used (``topic``, ``conversation-description``) are reported with file, line and column.
An export with no comments or no votes is refused rather than made into an empty study.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from symphonia.core.fragments import MAX_TEXT_CHARS, Fragment, FragmentKind, Rating
from symphonia.core.protocol import RatingScale
from symphonia.core.text_rules import unusable_character
from symphonia.interchange import InterchangeError, Issue
from symphonia.interchange.text import NotUtf8, decode_utf8

COMMENT_COLUMNS = ("comment-id", "author-id", "moderated", "comment-body")
VOTE_COLUMNS = ("timestamp", "comment-id", "voter-id", "vote")
VOTE_SCORES = {-1: 1, 0: 2, 1: 3}
"""Polis vote (-1 disagree, 0 pass, 1 agree) -> score on the 1–3 scale."""
SUMMARY_KEYS = ("topic", "conversation-description")
"""The summary.csv keys the import uses (and so checks); the others are kept as they are."""


class PolisExportError(InterchangeError):
    """A Polis export that cannot be imported; ``errors`` lists (line, column, reason)."""


@dataclass(frozen=True, slots=True)
class PolisConversation:
    """A Polis conversation as Symphonia fragments and ratings, with what was left out."""

    topic: str | None
    description: str | None
    fragments: tuple[Fragment, ...]
    ratings: tuple[Rating, ...]
    moderated_out: int = 0
    """Comments excluded because a moderator rejected them."""
    unusable_lines: tuple[int, ...] = ()
    """comments.csv lines of the comments excluded because their text holds a character that
    cannot be stored or shown (a control character, say)."""
    votes_on_excluded: int = 0
    """Votes on excluded comments (moderated out or unusable), excluded with them."""
    superseded_votes: int = 0
    """Earlier votes replaced by the same voter's later vote on the same comment."""
    summary: dict[str, str] = field(default_factory=dict)
    scale: ClassVar[RatingScale] = RatingScale(minimum=1, maximum=3)

    @property
    def unusable_out(self) -> int:
        """Comments excluded because their text holds an unusable character."""
        return len(self.unusable_lines)

    @property
    def question(self) -> str:
        """The conversation's question: its topic, else its description."""
        return self.topic or self.description or ""


@dataclass(slots=True)
class _Table:
    file: str
    rows: list[tuple[int, dict[str, str]]]


def _read_text(path: Path) -> str:
    """The file's text, or :class:`PolisExportError` saying why not (and where, for bytes
    that are not UTF-8: Python's own message gives only a byte offset)."""
    shown = str(path)
    try:
        return decode_utf8(path.read_bytes())
    except FileNotFoundError:
        reason = "no such file; a Polis export holds comments.csv, votes.csv and summary.csv"
        raise PolisExportError(shown, [Issue(None, "(file)", reason)]) from None
    except NotUtf8 as exc:
        raise PolisExportError(shown, [Issue(exc.line, "(file)", str(exc))]) from None
    except OSError as exc:
        reason = f"cannot be read: {exc.strerror or exc}"
        raise PolisExportError(shown, [Issue(None, "(file)", reason)]) from None


def _read_table(path: Path, required: Sequence[str]) -> _Table:
    shown = str(path)
    text = _read_text(path)
    rows = list(_rows(shown, text))
    if not rows:
        raise PolisExportError(shown, [Issue(1, "(header)", "the file is empty")])
    (_, header), body = rows[0], rows[1:]
    names = [h.strip() for h in header]
    missing = [c for c in required if c not in names]
    if missing:
        found = ", ".join(names)
        issues = [Issue(1, c, f"required column is missing (found: {found})") for c in missing]
        raise PolisExportError(shown, issues)
    table = _Table(shown, [])
    for line, row in body:
        if any(cell.strip() for cell in row):
            table.rows.append((line, dict(zip(names, row, strict=False))))
    return table


def _rows(shown: str, text: str) -> Iterator[tuple[int, list[str]]]:
    reader = csv.reader(io.StringIO(text, newline=""))
    start = 1
    try:
        for row in reader:
            yield start, row
            start = reader.line_num + 1
    except csv.Error as exc:
        raise PolisExportError(shown, [Issue(start, "(csv)", f"malformed CSV: {exc}")]) from None


def _int(value: str | None) -> int | None:
    try:
        return int((value or "").strip())
    except ValueError:
        return None


def read_polis_summary(path: Path) -> dict[str, str]:
    """summary.csv: ``key,value`` rows with no header (values may span lines).

    Only the values the import uses (:data:`SUMMARY_KEYS`) are checked for unusable
    characters: a stray control character elsewhere in the summary harms nothing.
    """
    shown = str(path)
    text = _read_text(path)
    summary: dict[str, str] = {}
    errors: list[Issue] = []
    for line, row in _rows(shown, text):
        if row and row[0].strip():
            key, value = row[0].strip(), ",".join(row[1:]).strip()
            if key in SUMMARY_KEYS and (reason := unusable_character(value)) is not None:
                errors.append(Issue(line, key, reason))
            summary[key] = value
    if errors:
        raise PolisExportError(shown, errors)
    return summary


def read_polis_export(directory: str | Path) -> PolisConversation:
    """Read a Polis export directory; raise :class:`PolisExportError` naming file and line."""
    root = Path(directory)
    summary = read_polis_summary(root / "summary.csv")
    topic = summary.get("topic") or None
    comments = _comments(root / "comments.csv", topic)
    fragments, comment_errors, file = comments.fragments, comments.errors, comments.file
    excluded = comments.moderated | set(comments.unusable)
    if not fragments and not comment_errors:
        left_out = [
            f"{len(ids)} {why}"
            for ids, why in (
                (comments.moderated, "moderated out"),
                (comments.unusable, "with characters that cannot be stored"),
            )
            if ids
        ]
        reason = "holds no comments" + (
            f" that could be kept ({'; '.join(left_out)})" if left_out else ""
        )
        comment_errors.append(Issue(None, "(file)", reason))
    if comment_errors:
        raise PolisExportError(file, comment_errors[:50], truncated=len(comment_errors) > 50)
    known = {f.id for f in fragments}
    ratings, on_excluded, superseded, vote_errors, file = _votes(
        root / "votes.csv", known, excluded
    )
    if not ratings and not vote_errors:
        reason = "holds no votes" + (" on comments that were kept" if on_excluded else "")
        vote_errors.append(Issue(None, "(file)", reason))
    if vote_errors:
        raise PolisExportError(file, vote_errors[:50], truncated=len(vote_errors) > 50)
    return PolisConversation(
        topic=topic,
        description=summary.get("conversation-description") or None,
        fragments=tuple(fragments),
        ratings=tuple(ratings),
        moderated_out=len(comments.moderated),
        unusable_lines=tuple(sorted(comments.unusable.values())),
        votes_on_excluded=on_excluded,
        superseded_votes=superseded,
        summary=summary,
    )


@dataclass(slots=True)
class _Comments:
    file: str
    fragments: list[Fragment]
    moderated: set[str]
    """Fragment ids of the comments moderated out."""
    unusable: dict[str, int]
    """Fragment id -> line of the comments whose text holds an unusable character."""
    errors: list[Issue]


def _comments(path: Path, topic: str | None) -> _Comments:
    table = _read_table(path, COMMENT_COLUMNS)
    errors: list[Issue] = []
    fragments: dict[int, Fragment] = {}
    excluded: set[str] = set()
    unusable: dict[str, int] = {}
    seen: dict[int, int] = {}
    for line, row in table.rows:
        cid, author, moderated = (_int(row.get(c)) for c in COMMENT_COLUMNS[:3])
        body = (row.get("comment-body") or "").strip()
        for name, value in (("comment-id", cid), ("author-id", author), ("moderated", moderated)):
            if value is None:
                errors.append(Issue(line, name, f"must be a whole number, got {row.get(name)!r}"))
        if cid is None or author is None or moderated is None:
            continue
        if cid in seen:
            errors.append(
                Issue(line, "comment-id", f"duplicate comment {cid}; first on line {seen[cid]}")
            )
            continue
        seen[cid] = line
        if moderated == -1:
            excluded.add(f"c{cid}")
            continue
        if not body:
            errors.append(Issue(line, "comment-body", "is empty"))
        elif len(body) > MAX_TEXT_CHARS:
            reason = f"is {len(body)} characters long; the limit is {MAX_TEXT_CHARS}"
            errors.append(Issue(line, "comment-body", reason))
        elif unusable_character(body) is not None:
            unusable[f"c{cid}"] = line
        else:
            fragments[cid] = Fragment(
                id=f"c{cid}",
                author=f"P{author}",
                kind=FragmentKind.CLAIM,
                text=body,
                confidence=3,
                group=None,
                question=topic,
            )
    kept = [fragments[k] for k in sorted(fragments)]
    return _Comments(table.file, kept, excluded, unusable, errors)


def _votes(
    path: Path, known: set[str], excluded: Collection[str]
) -> tuple[list[Rating], int, int, list[Issue], str]:
    table = _read_table(path, VOTE_COLUMNS)
    errors: list[Issue] = []
    latest: dict[tuple[int, int], tuple[int, int]] = {}  # (comment, voter) -> (timestamp, vote)
    on_excluded = superseded = 0
    for line, row in table.rows:
        ts, cid, voter, vote = (_int(row.get(c)) for c in VOTE_COLUMNS)
        for name, value in (("timestamp", ts), ("comment-id", cid), ("voter-id", voter)):
            if value is None:
                errors.append(Issue(line, name, f"must be a whole number, got {row.get(name)!r}"))
        if vote not in VOTE_SCORES:
            reason = f"must be 1 (agree), 0 (pass) or -1 (disagree), got {row.get('vote')!r}"
            errors.append(Issue(line, "vote", reason))
        if ts is None or cid is None or voter is None or vote is None or vote not in VOTE_SCORES:
            continue
        if f"c{cid}" in excluded:
            on_excluded += 1
            continue
        if f"c{cid}" not in known:
            errors.append(
                Issue(line, "comment-id", f"vote on comment {cid}, absent from comments.csv")
            )
            continue
        key = (cid, voter)
        if key in latest:
            superseded += 1
            if ts < latest[key][0]:
                continue
        latest[key] = (ts, vote)
    ratings = [
        Rating(item=f"c{cid}", rater=f"P{voter}", score=VOTE_SCORES[vote])
        for (cid, voter), (_, vote) in sorted(latest.items())
    ]
    return ratings, on_excluded, superseded, errors, table.file
