"""Import a Polis open-data export (comments.csv, votes.csv, summary.csv) as fragments and ratings.

Polis conversations are the nearest public cousin of a Delphi round: short statements from
participants, and agree / pass / disagree votes on them. Importing one lets a facilitator run
Symphonia's analysis on real deliberation data. The mapping, chosen to lose nothing:

- each comment becomes ``Fragment(id="c<comment-id>", author="P<author-id>", kind="claim",
  confidence=3)`` — Polis has no kinds or confidence, so the neutral values are used;
- comments moderated out (``moderated == -1``) are excluded, and counted, as are the votes
  on them: a moderator's decision is respected, but never silently;
- so are comments whose text cannot be kept as a fragment: empty, longer than a fragment may
  be (:data:`~symphonia.core.fragments.MAX_TEXT_CHARS`), or holding a character that cannot
  be stored or shown (a control character, say; see :mod:`symphonia.core.text_rules`). One
  bad comment of a third-party export must not refuse the whole conversation, so it is left
  out with its votes, counted, and its line and reason reported;
- each vote becomes ``Rating(item=<fragment id>, rater="P<voter-id>", score)`` on a 3-point
  scale, disagree=1, pass=2, agree=3; a voter who changed their mind counts once, with the
  latest vote by timestamp (ties: the later row). Participants whose every comment and vote
  was left out are not on the panel, and are counted too;
- when votes.csv is absent, empty or only a header, each kept comment's `agrees` and
  `disagrees` from comments.csv become a :class:`~symphonia.core.ratings.RatingTally`
  (counts without voters; passes unrecorded), see :mod:`symphonia._polis_counts`.

Columns may come in any order and extra columns are ignored; missing files or columns,
malformed cells, bytes that are not UTF-8, and control characters in the summary values that
are used (``topic``, ``conversation-description``) or a topic too long to be each comment's
question are reported with file, line and column. An export with no comments or no votes is
refused rather than made into an empty study.
"""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass, field
from pathlib import Path
from typing import ClassVar

from symphonia._polis_counts import CountCells, tallies_from_counts, votes_missing
from symphonia._polis_csv import (
    PolisExportError,
    csv_rows,
    not_whole,
    read_table,
    read_text,
    shown_cell,
    whole_number,
)
from symphonia.core.fragments import (
    MAX_QUESTION_CHARS,
    MAX_TEXT_CHARS,
    Fragment,
    FragmentKind,
    Rating,
)
from symphonia.core.protocol import RatingScale
from symphonia.core.ratings import RatingTally
from symphonia.core.text_rules import unusable_character
from symphonia.interchange import MAX_ERRORS, Issue

__all__ = ["PolisConversation", "PolisExportError", "read_polis_export", "read_polis_summary"]

COMMENT_COLUMNS = ("comment-id", "author-id", "moderated", "comment-body")
VOTE_COLUMNS = ("timestamp", "comment-id", "voter-id", "vote")
VOTE_SCORES = {-1: 1, 0: 2, 1: 3}
"""Polis vote (-1 disagree, 0 pass, 1 agree) -> score on the 1–3 scale."""
SUMMARY_KEYS = ("topic", "conversation-description")
"""The summary.csv keys the import uses (and so checks); the others are kept as they are."""


@dataclass(frozen=True, slots=True)
class PolisConversation:
    """A Polis conversation as Symphonia fragments and ratings, with what was left out."""

    topic: str | None
    description: str | None
    fragments: tuple[Fragment, ...]
    ratings: tuple[Rating, ...]
    moderated_out: int = 0
    """Comments excluded because a moderator rejected them."""
    unusable: tuple[Issue, ...] = ()
    """The comments excluded because their text cannot be kept (empty, too long, or holding
    a character that cannot be stored or shown): comments.csv, line, field and reason."""
    votes_on_excluded: int = 0
    """Votes on excluded comments (moderated out or unusable), excluded with them."""
    superseded_votes: int = 0
    """Earlier votes replaced by the same voter's later vote on the same comment."""
    participants_left_out: int = 0
    """Participants in the export whose every comment and vote was excluded."""
    summary: dict[str, str] = field(default_factory=dict)
    tallies: tuple[RatingTally, ...] = ()
    """Per-comment counts without voters, when votes.csv holds no votes (then `ratings` is
    empty): see :mod:`symphonia._polis_counts`."""
    votes_from: str = "votes.csv"
    """Where the votes were read."""
    scale: ClassVar[RatingScale] = RatingScale(minimum=1, maximum=3)

    @property
    def unusable_out(self) -> int:
        """Comments excluded because their text cannot be kept."""
        return len(self.unusable)

    @property
    def unusable_lines(self) -> tuple[int, ...]:
        """The comments.csv lines of those comments."""
        return tuple(i.line for i in self.unusable if i.line is not None)

    @property
    def question(self) -> str:
        """The conversation's question: its topic, else its description."""
        return self.topic or self.description or ""


def read_polis_summary(path: Path) -> dict[str, str]:
    """summary.csv: ``key,value`` rows with no header (values may span lines).

    Only the values the import uses (:data:`SUMMARY_KEYS`) are checked for unusable
    characters: a stray control character elsewhere in the summary harms nothing. The topic
    becomes every comment's question, so it is held to a question's length as well.
    """
    shown = str(path)
    text = read_text(path)
    summary: dict[str, str] = {}
    errors: list[Issue] = []
    for line, row in csv_rows(shown, text):
        if row and row[0].strip():
            key, value = row[0].strip(), ",".join(row[1:]).strip()
            if key in SUMMARY_KEYS and (reason := unusable_character(value)) is not None:
                errors.append(Issue(line, key, reason))
            elif key == "topic" and len(value) > MAX_QUESTION_CHARS:
                reason = (
                    f"is {len(value)} characters long; the limit is {MAX_QUESTION_CHARS}, "
                    "as it becomes every comment's question"
                )
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
                (comments.unusable, "whose text cannot be kept"),
            )
            if ids
        ]
        reason = "holds no comments" + (
            f" that could be kept ({'; '.join(left_out)})" if left_out else ""
        )
        comment_errors.append(Issue(None, "(file)", reason))
    if comment_errors:
        raise _refusal(file, comment_errors)
    known = {f.id for f in fragments}
    if votes_missing(root / "votes.csv"):
        return _from_counts(root, summary, topic, comments, excluded)
    votes = _votes(root / "votes.csv", known, excluded)
    if votes.header_only:
        return _from_counts(root, summary, topic, comments, excluded)
    if not votes.ratings and not votes.errors:
        reason = "holds no votes" + (" on comments that were kept" if votes.on_excluded else "")
        votes.errors.append(Issue(None, "(file)", reason))
    if votes.errors:
        raise _refusal(votes.file, votes.errors)
    kept = {f.author for f in fragments} | {r.rater for r in votes.ratings}
    return PolisConversation(
        topic=topic,
        description=summary.get("conversation-description") or None,
        fragments=tuple(fragments),
        ratings=tuple(votes.ratings),
        moderated_out=len(comments.moderated),
        unusable=tuple(sorted(comments.unusable.values(), key=lambda i: i.line or 0)),
        votes_on_excluded=votes.on_excluded,
        superseded_votes=votes.superseded,
        participants_left_out=len((comments.people | votes.people) - kept),
        summary=summary,
    )


def _from_counts(
    root: Path, summary: dict[str, str], topic: str | None, comments: _Comments, excluded: set[str]
) -> PolisConversation:
    """The conversation when votes.csv has no votes: comments.csv's counts instead."""
    kept = [f.id for f in comments.fragments]
    tallies, on_excluded, errors = tallies_from_counts(comments.counts, kept, excluded)
    if not tallies and not errors:
        reason = f"{root / 'votes.csv'} holds no votes, and no comment here has any counted"
        errors.append(Issue(None, "(file)", reason))
    if errors:
        raise _refusal(comments.file, errors)
    authors = {f.author for f in comments.fragments}
    return PolisConversation(
        topic=topic,
        description=summary.get("conversation-description") or None,
        fragments=tuple(comments.fragments),
        ratings=(),
        moderated_out=len(comments.moderated),
        unusable=tuple(sorted(comments.unusable.values(), key=lambda i: i.line or 0)),
        votes_on_excluded=on_excluded,
        participants_left_out=len(comments.people - authors),
        summary=summary,
        tallies=tuple(tallies),
        votes_from=f"{comments.file} (agrees and disagrees counts; {root / 'votes.csv'} "
        "holds no votes)",
    )


def _refusal(file: str, errors: list[Issue]) -> PolisExportError:
    return PolisExportError(file, errors[:MAX_ERRORS], truncated=len(errors) > MAX_ERRORS)


@dataclass(slots=True)
class _Comments:
    file: str
    fragments: list[Fragment]
    moderated: set[str]
    """Fragment ids of the comments moderated out."""
    unusable: dict[str, Issue]
    """Fragment id -> why the comment's text cannot be kept (file, line, field, reason)."""
    errors: list[Issue]
    people: set[str]
    """Every author of a well-formed comment row, kept or not (``P<author-id>``)."""
    counts: CountCells = field(default_factory=CountCells)
    """The `agrees` / `disagrees` cells, for an export with no votes."""


def _comments(path: Path, topic: str | None) -> _Comments:
    table = read_table(path, COMMENT_COLUMNS)
    errors: list[Issue] = []
    fragments: dict[int, Fragment] = {}
    excluded: set[str] = set()
    unusable: dict[str, Issue] = {}
    people: set[str] = set()
    seen: dict[int, int] = {}
    counts = CountCells()
    for line, row in table.rows:
        cid, author, moderated = (whole_number(row.get(c)) for c in COMMENT_COLUMNS[:3])
        body = (row.get("comment-body") or "").strip()
        for name, value in (("comment-id", cid), ("author-id", author), ("moderated", moderated)):
            if value is None:
                errors.append(not_whole(line, name, row.get(name)))
        if cid is None or author is None or moderated is None:
            continue
        if cid in seen:
            errors.append(
                Issue(line, "comment-id", f"duplicate comment {cid}; first on line {seen[cid]}")
            )
            continue
        seen[cid] = line
        people.add(f"P{author}")
        counts.add(f"c{cid}", line, row)
        if moderated == -1:
            excluded.add(f"c{cid}")
        elif (reason := _body_problem(body)) is not None:
            unusable[f"c{cid}"] = Issue(line, "comment-body", reason, table.file)
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
    return _Comments(table.file, kept, excluded, unusable, errors, people, counts)


def _body_problem(body: str) -> str | None:
    """Why a comment's text cannot be a fragment's, or None when it can."""
    if not body:
        return "is empty"
    if len(body) > MAX_TEXT_CHARS:
        return f"is {len(body)} characters long; the limit is {MAX_TEXT_CHARS}"
    return unusable_character(body)


@dataclass(slots=True)
class _Votes:
    file: str
    ratings: list[Rating]
    on_excluded: int
    superseded: int
    errors: list[Issue]
    people: set[str]
    """Every voter of a well-formed vote row, counted or not (``P<voter-id>``)."""
    header_only: bool = False
    """The file has its header and no rows: an export with no votes."""


def _votes(path: Path, known: set[str], excluded: Collection[str]) -> _Votes:
    table = read_table(path, VOTE_COLUMNS)
    errors: list[Issue] = []
    people: set[str] = set()
    latest: dict[tuple[int, int], tuple[int, int]] = {}  # (comment, voter) -> (timestamp, vote)
    on_excluded = superseded = 0
    for line, row in table.rows:
        ts, cid, voter, vote = (whole_number(row.get(c)) for c in VOTE_COLUMNS)
        for name, value in (("timestamp", ts), ("comment-id", cid), ("voter-id", voter)):
            if value is None:
                errors.append(not_whole(line, name, row.get(name)))
        if vote not in VOTE_SCORES:
            got = shown_cell(row.get("vote"))
            reason = f"must be 1 (agree), 0 (pass) or -1 (disagree), got {got}"
            errors.append(Issue(line, "vote", reason))
        if ts is None or cid is None or voter is None or vote is None or vote not in VOTE_SCORES:
            continue
        people.add(f"P{voter}")
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
    return _Votes(
        table.file, ratings, on_excluded, superseded, errors, people, header_only=not table.rows
    )
