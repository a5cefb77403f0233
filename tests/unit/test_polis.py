"""Polis export import, on a tiny synthetic Polis-shaped fixture (never the real data)."""

from __future__ import annotations

from pathlib import Path

import pytest

from symphonia.core.fragments import Fragment, FragmentKind, Rating
from symphonia.interchange import MAX_ERRORS, Issue
from symphonia.polis import PolisConversation, PolisExportError, read_polis_export

TOPIC = "Safer streets for cycling (synthetic test fixture)"


@pytest.fixture
def export(polis_mini: Path) -> Path:
    """A scratch copy of the export, for tests that damage it."""
    return polis_mini


def test_comments_become_claims_and_votes_ratings(polis_mini: Path) -> None:
    conv = read_polis_export(polis_mini)
    assert conv.topic == TOPIC
    assert conv.question == TOPIC
    assert conv.description is not None
    assert conv.description.endswith("What would make streets in our town safer for cycling?")
    assert conv.summary["url"] == "https://pol.is/example"
    assert (conv.scale.minimum, conv.scale.maximum) == (1, 3)
    assert [f.id for f in conv.fragments] == ["c1", "c2", "c4", "c5"]  # c3 moderated out
    assert conv.fragments[0] == Fragment(
        id="c1",
        author="P10",
        kind=FragmentKind.CLAIM,
        text="Bike lanes should be separated from traffic by kerbs, not paint.",
        confidence=3,
        group=None,
        question=TOPIC,
    )
    assert conv.fragments[3].text == (
        "Speed limits near schools should be 20 mph,\nenforced by cameras rather than signs."
    )
    assert conv.moderated_out == 1
    assert conv.votes_on_excluded == 2


def test_latest_vote_wins_and_scores_map_to_three_points(polis_mini: Path) -> None:
    conv = read_polis_export(polis_mini)
    assert set(conv.ratings) == {
        Rating("c1", "P20", 1),  # agreed, then disagreed later
        Rating("c2", "P20", 3),  # the agree is later by timestamp though earlier in the file
        Rating("c1", "P21", 2),  # pass
        Rating("c4", "P21", 1),
        Rating("c5", "P22", 3),
        Rating("c1", "P10", 3),
    }
    assert len(conv.ratings) == 6
    assert conv.superseded_votes == 2


def test_missing_files(export: Path) -> None:
    for name in ("summary.csv", "comments.csv"):
        (export / name).rename(export / f"{name}.bak")
        with pytest.raises(PolisExportError) as info:
            read_polis_export(export)
        assert info.value.file == str(export / name)
        assert info.value.errors == [
            Issue(
                None,
                "(file)",
                "no such file; a Polis export holds comments.csv, votes.csv and summary.csv",
            )
        ]
        (export / f"{name}.bak").rename(export / name)


def test_missing_columns(export: Path) -> None:
    (export / "votes.csv").write_text("timestamp,comment-id,vote\n1,1,1\n", encoding="utf-8")
    with pytest.raises(PolisExportError) as info:
        read_polis_export(export)
    assert info.value.file == str(export / "votes.csv")
    assert info.value.errors == [
        Issue(1, "voter-id", "required column is missing (found: timestamp, comment-id, vote)")
    ]
    assert "votes.csv:1: voter-id: required column is missing" in str(info.value)


def test_bad_cells_are_reported_with_lines(export: Path) -> None:
    comments = (export / "comments.csv").read_text(encoding="utf-8")
    comments += "x7,Bad id,14,1,0,0,1,now\n8,Dup,15,1,0,0,1,now\n"
    comments += "8,Again,15,1,0,0,1,now\n9,,16,1,0,0,1,now\n"
    (export / "comments.csv").write_text(comments, encoding="utf-8")
    with pytest.raises(PolisExportError) as info:
        read_polis_export(export)
    assert info.value.errors == [
        Issue(8, "comment-id", "must be a whole number, got 'x7'"),
        Issue(10, "comment-id", "duplicate comment 8; first on line 9"),
    ]  # the empty comment on line 11 is no reason to refuse: it would be left out


def test_bad_votes(export: Path) -> None:
    votes = (export / "votes.csv").read_text(encoding="utf-8")
    votes += "23,1,2,1700009000000,later\n23,99,1,1700009000000,later\n"
    (export / "votes.csv").write_text(votes, encoding="utf-8")
    with pytest.raises(PolisExportError) as info:
        read_polis_export(export)
    assert info.value.errors == [
        Issue(12, "vote", "must be 1 (agree), 0 (pass) or -1 (disagree), got '2'"),
        Issue(13, "comment-id", "vote on comment 99, absent from comments.csv"),
    ]


def test_conversation_is_a_plain_value() -> None:
    conv = PolisConversation(topic=None, description="Only a description", fragments=(), ratings=())
    assert conv.question == "Only a description"


def test_a_comment_with_a_control_character_is_left_out_and_counted(export: Path) -> None:
    """One garbled comment in a third-party export costs that comment (and its votes), counted
    and located, not the whole conversation."""
    comments = (export / "comments.csv").read_text(encoding="utf-8")
    comments = comments.replace("banned across the city", "banned \x1b[31macross\x85 the city")
    (export / "comments.csv").write_text(comments, encoding="utf-8")
    conv = read_polis_export(export)
    assert [f.id for f in conv.fragments] == ["c1", "c2", "c5"]
    assert conv.unusable_lines == (7,)
    assert conv.unusable_out == 1
    assert conv.moderated_out == 1
    assert conv.votes_on_excluded == 3  # two on the moderated-out c3, one on c4
    assert all(r.item != "c4" for r in conv.ratings)


def test_only_the_summary_values_used_are_checked(export: Path) -> None:
    summary = (export / "summary.csv").read_text(encoding="utf-8")
    (export / "summary.csv").write_text(summary.replace("example", "ex\x00ample"), "utf-8")
    assert read_polis_export(export).topic == TOPIC
    (export / "summary.csv").write_text(summary.replace("cycling (", "cycling\x07 ("), "utf-8")
    with pytest.raises(PolisExportError) as info:
        read_polis_export(export)
    assert info.value.errors == [
        Issue(
            1,
            "topic",
            "contains the control character U+0007 at character 26; only tab, newline and "
            "carriage return are allowed",
        )
    ]


def test_an_export_whose_every_comment_is_left_out_is_refused(export: Path) -> None:
    header = "comment-id,comment-body,author-id,moderated\n"
    rows = '1,"spam",10,-1\n2,"bad\x00",11,1\n'
    (export / "comments.csv").write_text(header + rows, encoding="utf-8")
    with pytest.raises(PolisExportError) as info:
        read_polis_export(export)
    assert info.value.errors == [
        Issue(
            None,
            "(file)",
            "holds no comments that could be kept (1 moderated out; 1 whose text cannot be kept)",
        )
    ]


def test_empty_and_overlong_comments_are_left_out_like_unusable_ones(export: Path) -> None:
    """One bad comment never blocks a third-party export: an empty comment, or one longer than
    a fragment may be, is left out with its votes, counted and located, as a garbled one is."""
    comments = (export / "comments.csv").read_text(encoding="utf-8")
    comments = comments.replace("Parking on pavements should be banned across the city.", "  ")
    comments += f"6,{'x' * 4001},14,1,0,0,1,now\n"
    (export / "comments.csv").write_text(comments, encoding="utf-8")
    votes = (export / "votes.csv").read_text(encoding="utf-8") + "30,6,1,1700009000000,later\n"
    (export / "votes.csv").write_text(votes, encoding="utf-8")
    conv = read_polis_export(export)
    assert [f.id for f in conv.fragments] == ["c1", "c2", "c5"]
    file = str(export / "comments.csv")
    assert conv.unusable == (
        Issue(7, "comment-body", "is empty", file),
        Issue(8, "comment-body", "is 4001 characters long; the limit is 4000", file),
    )
    assert conv.unusable_lines == (7, 8)
    assert conv.votes_on_excluded == 4  # two on the moderated-out c3, one on c4, one on c6
    assert all(r.item not in {"c4", "c6"} for r in conv.ratings)
    # P12 wrote only the moderated-out comment, P14 only the long one, and P30 voted only on
    # it: none of them has anything kept
    assert conv.participants_left_out == 3


def test_a_topic_too_long_to_be_a_question_is_refused_with_its_line(export: Path) -> None:
    summary = (export / "summary.csv").read_text(encoding="utf-8")
    (export / "summary.csv").write_text(summary.replace(TOPIC, "t" * 301), "utf-8")
    with pytest.raises(PolisExportError) as info:
        read_polis_export(export)
    assert info.value.file == str(export / "summary.csv")
    assert info.value.errors == [
        Issue(
            1,
            "topic",
            "is 301 characters long; the limit is 300, as it becomes every comment's question",
        )
    ]


def test_a_long_list_of_bad_cells_is_capped_at_the_shared_limit(export: Path) -> None:
    comments = (export / "comments.csv").read_text(encoding="utf-8")
    comments += "".join(f"x{n},Bad id,14,1,0,0,1,now\n" for n in range(MAX_ERRORS + 5))
    (export / "comments.csv").write_text(comments, encoding="utf-8")
    with pytest.raises(PolisExportError) as info:
        read_polis_export(export)
    assert len(info.value.errors) == MAX_ERRORS
    assert info.value.truncated


def test_no_votes_falls_back_on_the_comments_counts_without_inventing_voters(
    export: Path,
) -> None:
    (export / "votes.csv").unlink()
    conv = read_polis_export(export)
    assert conv.ratings == ()
    assert [(t.item, t.counts) for t in conv.tallies] == [
        ("c1", ((1, 1), (3, 2))),
        ("c2", ((1, 0), (3, 2))),
        ("c4", ((1, 1), (3, 0))),
        ("c5", ((1, 1), (3, 1))),
    ]
    assert {t.unrecorded for t in conv.tallies} == {
        "passes (comments.csv counts agree and disagree votes only)"
    }
    assert conv.votes_on_excluded == 1  # the moderated-out comment's one agree
    assert "holds no votes" in conv.votes_from
    (export / "votes.csv").write_text("timestamp,comment-id,voter-id,vote\n", encoding="utf-8")
    assert read_polis_export(export).tallies == conv.tallies


def test_no_votes_and_no_counts_is_refused(export: Path) -> None:
    (export / "votes.csv").write_bytes(b"")
    header = "comment-id,comment-body,author-id,moderated\n"
    (export / "comments.csv").write_text(header + '1,"Lanes",10,1\n', encoding="utf-8")
    with pytest.raises(PolisExportError) as info:
        read_polis_export(export)
    assert info.value.errors == [
        Issue(
            None,
            "(file)",
            "votes.csv holds no votes, and comments.csv has no agrees and disagrees columns "
            "to fall back on",
        )
    ]
    header = "comment-id,comment-body,author-id,moderated,agrees,disagrees\n"
    rows = '1,"Lanes",10,1,many,0\n2,"Paths",11,1,0,-2\n'
    (export / "comments.csv").write_text(header + rows, encoding="utf-8")
    with pytest.raises(PolisExportError) as bad:
        read_polis_export(export)
    assert bad.value.errors == [
        Issue(2, "agrees", "must be a whole number ≥ 0, got 'many'"),
        Issue(3, "disagrees", "must be a whole number ≥ 0, got '-2'"),
    ]
    (export / "comments.csv").write_text(header + '1,"Lanes",10,1,0,0\n', encoding="utf-8")
    with pytest.raises(PolisExportError, match="no comment here has any counted"):
        read_polis_export(export)


def test_counts_an_integer_column_cannot_hold_are_refused_by_cell(export: Path) -> None:
    """PostgreSQL's INTEGER stops at 2**31 - 1: a larger count is refused with its line, not
    by the database; a cell of thousands of digits is shown clipped."""
    (export / "votes.csv").write_bytes(b"")
    header = "comment-id,comment-body,author-id,moderated,agrees,disagrees\n"
    rows = f'1,"Lanes",10,1,{2**31},0\n2,"Paths",11,1,0,{"9" * 5000}\n'
    (export / "comments.csv").write_text(header + rows, encoding="utf-8")
    with pytest.raises(PolisExportError) as bad:
        read_polis_export(export)
    first, second = bad.value.errors
    assert first == Issue(2, "agrees", f"must be at most {2**31 - 1}, got '{2**31}'")
    assert (second.line, second.field) == (3, "disagrees")
    assert second.reason.startswith("must be a whole number ≥ 0, got '999")
    assert len(second.reason) < 200
