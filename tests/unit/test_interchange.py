"""Interchange readers and writers: every problem with its line and field, all at once."""

from __future__ import annotations

import json
import unicodedata
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from symphonia.core.fragments import MAX_TEXT_CHARS, Fragment, FragmentKind, Rating
from symphonia.core.protocol import RatingScale
from symphonia.core.study import IDENTIFIER, RatingItem
from symphonia.interchange import (
    MAX_ERRORS,
    InterchangeError,
    Issue,
    check_items_against_fragments,
    check_ratings_against_scale,
    parse_fragments,
    read_fragments,
    read_rating_items,
    read_ratings,
    try_read_fragments,
    write_fragments_jsonl,
    write_rating_items_jsonl,
    write_ratings_jsonl,
)

ALLOWED = "id, author, kind, text, confidence, group, question, sources"
UNKNOWN_FIELD = f"unknown field; allowed fields are {ALLOWED}"
KINDS = "claim, action, barrier, example, caveat, uncertainty, argument_for, argument_against"
GOOD = {
    "id": "f1",
    "author": "E01",
    "kind": "claim",
    "text": "Schools are partners.",
    "confidence": 4,
}


def line(**changes: object) -> str:
    record = {**GOOD, **changes}
    return json.dumps({k: v for k, v in record.items() if v is not ...})


def write(tmp_path: Path, name: str, *lines: str) -> Path:
    path = tmp_path / name
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def errors_of(path: Path) -> list[Issue]:
    with pytest.raises(InterchangeError) as info:
        read_fragments(path)
    assert info.value.file == str(path)
    return info.value.errors


def test_reads_valid_jsonl_with_defaults_and_blank_lines(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "f.jsonl",
        line(),
        "",
        "   ",
        line(id="f2", kind="barrier", confidence=..., group="clinician", sources=["DPA 2018 s.8"]),
    )
    assert read_fragments(path) == [
        Fragment("f1", "E01", FragmentKind.CLAIM, "Schools are partners.", 4),
        Fragment(
            "f2",
            "E01",
            FragmentKind.BARRIER,
            "Schools are partners.",
            3,
            "clinician",
            None,
            ("DPA 2018 s.8",),
        ),
    ]


@pytest.mark.parametrize(
    ("bad", "field", "reason"),
    [
        ('{"id": "f9", "author": ', "(json)", "malformed JSON: Expecting value at column 24"),
        ("[1, 2]", "(record)", "expected one JSON object per line, got array"),
        (line(text=...), "text", "required field is missing"),
        (line(author=None), "author", "must not be null"),
        (
            line(mood="happy"),
            "mood",
            UNKNOWN_FIELD,
        ),
        (
            line(kind="opinion"),
            "kind",
            f"unknown kind 'opinion'; expected one of {KINDS}",
        ),
        (line(confidence=7), "confidence", "is 7; it must be from 1 to 5"),
        (line(confidence=0), "confidence", "is 0; it must be from 1 to 5"),
        (line(confidence=4.5), "confidence", "must be a whole number from 1 to 5, got number 4.5"),
        (line(confidence="4"), "confidence", 'must be a whole number from 1 to 5, got string "4"'),
        (
            line(confidence=True),
            "confidence",
            "must be a whole number from 1 to 5, got boolean true",
        ),
        (line(text="   "), "text", "must not be empty"),
        (
            line(text="x" * (MAX_TEXT_CHARS + 1)),
            "text",
            f"is {MAX_TEXT_CHARS + 1} characters long; the limit is {MAX_TEXT_CHARS}",
        ),
        (line(sources="DPA 2018"), "sources", "must be a list of strings, got string"),
        (line(sources=["ok", 3]), "sources[1]", "must be a string, got number"),
        (line(sources=["ok", ""]), "sources[1]", "must not be empty"),
        (line(id=5), "id", "must be a string, got number"),
        (line(group=["a"]), "group", "must be a string, got array"),
        ('{"id": "f1", "id": "f2"}', "(json)", "field 'id' appears twice in the object"),
    ],
)
def test_each_bad_line_is_named(tmp_path: Path, bad: str, field: str, reason: str) -> None:
    path = write(tmp_path, "f.jsonl", line(id="f0"), "", bad)
    assert errors_of(path) == [Issue(3, field, reason)]


def test_all_problems_are_collected_with_line_numbers(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "f.jsonl",
        line(),  # 1
        line(id="f2", kind="rumour", confidence=9),  # 2: two problems on one line
        "not json",  # 3
        line(),  # 4: duplicate of line 1
        line(id="f5", text=..., extra=1),  # 5
    )
    errors = errors_of(path)
    assert errors == [
        Issue(
            2,
            "kind",
            f"unknown kind 'rumour'; expected one of {KINDS}",
        ),
        Issue(2, "confidence", "is 9; it must be from 1 to 5"),
        Issue(3, "(json)", "malformed JSON: Expecting value at column 1"),
        Issue(4, "id", "duplicate id 'f1'; already used on line 1"),
        Issue(
            5,
            "extra",
            UNKNOWN_FIELD,
        ),
        Issue(5, "text", "required field is missing"),
    ]
    message = str(InterchangeError(str(path), errors))
    assert message.splitlines()[0] == f"{path}: 6 problem(s); nothing was imported"
    assert f"{path}:4: id: duplicate id 'f1'; already used on line 1" in message.splitlines()


def test_result_form_never_raises_and_is_all_or_nothing(tmp_path: Path) -> None:
    path = write(tmp_path, "f.jsonl", line(), line(id="f2", kind="nope"))
    result = try_read_fragments(path)
    assert not result.ok
    assert result.records == []
    assert [e.line for e in result.errors] == [2]
    ok = try_read_fragments(write(tmp_path, "g.jsonl", line()))
    assert ok.ok
    assert ok.unwrap() == [Fragment("f1", "E01", FragmentKind.CLAIM, "Schools are partners.", 4)]


def test_errors_are_capped(tmp_path: Path) -> None:
    path = write(tmp_path, "f.jsonl", *["{oops"] * (MAX_ERRORS + 20))
    with pytest.raises(InterchangeError) as info:
        read_fragments(path)
    assert len(info.value.errors) == MAX_ERRORS
    assert info.value.truncated
    assert (
        str(info.value)
        .splitlines()[-1]
        .endswith(f"stopped after {MAX_ERRORS} problems; there may be more")
    )


def test_file_level_problems(tmp_path: Path) -> None:
    assert errors_of(tmp_path / "none.jsonl") == [Issue(None, "(file)", "no such file")]
    txt = write(tmp_path, "f.txt", line())
    assert errors_of(txt) == [
        Issue(None, "(file)", "unknown file type '.txt'; expected .jsonl, .json or .csv")
    ]
    latin = tmp_path / "latin.jsonl"
    latin.write_bytes(line().encode() + b"\n" + '{"text": "caf\xe9"}'.encode("latin-1") + b"\n")
    assert errors_of(latin) == [
        Issue(
            2, "(file)", "not valid UTF-8 (byte 0xe9 at line 2, column 14); save the file as UTF-8"
        )
    ]


def test_bytes_that_are_not_utf8_after_a_bom_are_placed_right(tmp_path: Path) -> None:
    """The BOM is not text: the bad byte is on line 2, column 1, not where a decoder that
    counts from after the BOM would put it (line 1, pointing at a quote)."""
    path = tmp_path / "bom.jsonl"
    path.write_bytes(b"\xef\xbb\xbf" + line().encode() + b"\n\xff" + line(id="f2").encode())
    assert errors_of(path) == [
        Issue(
            2, "(file)", "not valid UTF-8 (byte 0xff at line 2, column 1); save the file as UTF-8"
        )
    ]


def test_json_suffix_is_read_as_lines_and_bom_is_tolerated(tmp_path: Path) -> None:
    path = tmp_path / "f.json"
    path.write_text("\ufeff" + line() + "\n", encoding="utf-8")
    assert [f.id for f in read_fragments(path)] == ["f1"]


# -- CSV ---------------------------------------------------------------------------------------


def test_reads_csv_with_sources_cell(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "f.csv",
        "id,author,kind,text,confidence,group,sources",
        'f1,E01,claim,"A claim, with a comma",5,clinician,DPA 2018 s.8; Children Act 2004',
        "",
        'f2,E02,caveat,"A caveat\nover two lines",,,',
    )
    assert read_fragments(path) == [
        Fragment(
            "f1",
            "E01",
            FragmentKind.CLAIM,
            "A claim, with a comma",
            5,
            "clinician",
            None,
            ("DPA 2018 s.8", "Children Act 2004"),
        ),
        Fragment("f2", "E02", FragmentKind.CAVEAT, "A caveat\nover two lines", 3),
    ]


def test_csv_errors_carry_line_numbers(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "f.csv",
        "id,author,kind,text,confidence",
        'f1,E01,claim,"two\nlines",4',  # lines 2-3
        "f2,E01,claim,text,high",  # line 4
        "f3,E01,claim,,3",  # line 5
        "f4,E01,claim,text",  # line 6
        "f1,E02,claim,again,2",  # line 7
    )
    assert errors_of(path) == [
        Issue(4, "confidence", "must be a whole number from 1 to 5, got 'high'"),
        Issue(5, "text", "required field is missing or empty"),
        Issue(6, "(row)", "has 4 cells; the header has 5"),
        Issue(7, "id", "duplicate id 'f1'; already used on line 2"),
    ]


def test_csv_header_problems(tmp_path: Path) -> None:
    path = write(tmp_path, "f.csv", "id,writer,kind,text,kind", "f1,E01,claim,x,claim")
    assert errors_of(path) == [
        Issue(
            1,
            "writer",
            "unknown column; allowed are " + ALLOWED,
        ),
        Issue(1, "kind", "column appears twice in the header"),
        Issue(1, "author", "required column is missing from the header"),
    ]
    empty = write(tmp_path, "e.csv", "")
    assert errors_of(empty)[0].field == "(header)"


# -- ratings and items -------------------------------------------------------------------------


def test_ratings_read_and_checked(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "r.jsonl",
        '{"item": "s1", "rater": "E01", "score": 7}',
        '{"item": "s1", "rater": "E02", "score": 7.5}',
        '{"item": "s1", "rater": "E01", "score": 2}',
        '{"item": "s2", "rater": "E03"}',
        '{"item": "s2", "rater": "E03", "score": 1, "comment": "x"}',
    )
    with pytest.raises(InterchangeError) as info:
        read_ratings(path)
    assert info.value.errors == [
        Issue(2, "score", "must be a whole number, got number 7.5"),
        Issue(3, "item", "'E01' already rated item 's1' on line 1"),
        Issue(4, "score", "required field is missing"),
        Issue(5, "comment", "unknown field; allowed fields are item, rater, score"),
    ]


def test_ratings_csv_and_scale_check(tmp_path: Path) -> None:
    path = write(tmp_path, "r.csv", "rater,item,score", "E01,s1,9", "E02,s1,12", "E09,s9,0")
    ratings = read_ratings(path)
    assert ratings == [Rating("s1", "E01", 9), Rating("s1", "E02", 12), Rating("s9", "E09", 0)]
    issues = check_ratings_against_scale(ratings, RatingScale(1, 9), {"s1"}, {"E01", "E02"})
    assert issues == [
        Issue(None, "score", "rating of 's1' by 'E02': 12 is outside the scale 1–9"),
        Issue(None, "item", "rating of 's9' by 'E09': unknown item 's9'"),
        Issue(None, "rater", "rating of 's9' by 'E09': 'E09' is not on the panel"),
        Issue(None, "score", "rating of 's9' by 'E09': 0 is outside the scale 1–9"),
    ]


def test_rating_items(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "i.jsonl",
        '{"id": "s1", "text": "Fund it.", "fragment_ids": ["f1", "f2"], "theme_hint": "funding"}',
        '{"id": "s2", "text": "Share it.", "fragment_ids": "f3"}',
        '{"id": "s3", "text": "Test it.", "fragment_ids": ["f1", "f1"]}',
        '{"id": "s1", "text": "Again.", "fragment_ids": []}',
        '{"id": "s4", "text": "No evidence."}',
    )
    with pytest.raises(InterchangeError) as info:
        read_rating_items(path)
    assert info.value.errors == [
        Issue(2, "fragment_ids", "must be a list of strings, got string"),
        Issue(3, "fragment_ids[1]", "'f1' is listed twice"),
        Issue(4, "id", "duplicate id 's1'; already used on line 1"),
        Issue(5, "fragment_ids", "required field is missing"),
    ]
    good = write(
        tmp_path, "g.jsonl", '{"id": "s1", "text": "Fund it.", "fragment_ids": ["f1", "f9"]}'
    )
    items = read_rating_items(good)
    assert items == [RatingItem("s1", "Fund it.", ("f1", "f9"))]
    assert check_items_against_fragments(items, {"f1"}) == [
        Issue(None, "fragment_ids", "item 's1': cites unknown fragment 'f9'")
    ]


LEGACY_IDS = ["F 12", "é1", "a/b", "-lead"]
"""Fragment ids stored before the id rule: references to them must still be read."""


def test_references_to_ids_need_not_follow_the_id_rule(tmp_path: Path) -> None:
    ratings = write(
        tmp_path,
        "r.jsonl",
        *(json.dumps({"item": fid, "rater": "E01", "score": 5}) for fid in LEGACY_IDS),
    )
    assert [r.item for r in read_ratings(ratings)] == LEGACY_IDS
    items = write(
        tmp_path, "i.jsonl", json.dumps({"id": "s1", "text": "t", "fragment_ids": LEGACY_IDS})
    )
    assert read_rating_items(items) == [RatingItem("s1", "t", tuple(LEGACY_IDS))]
    csv = write(tmp_path, "i.csv", "id,text,fragment_ids", "s1,t,F 12; a/b")
    assert read_rating_items(csv)[0].fragment_ids == ("F 12", "a/b")


def test_declared_ids_follow_the_id_rule_and_references_hold_no_control_characters(
    tmp_path: Path,
) -> None:
    items = write(
        tmp_path,
        "i.jsonl",
        json.dumps({"id": "s 1", "text": "t", "fragment_ids": ["F 12"]}),
        json.dumps({"id": "s2", "text": "t", "fragment_ids": ["f\u0000"]}),
    )
    with pytest.raises(InterchangeError) as info:
        read_rating_items(items)
    assert [(e.line, e.field) for e in info.value.errors] == [(1, "id"), (2, "fragment_ids[0]")]
    assert "is not a valid id" in info.value.errors[0].reason
    assert "NUL" in info.value.errors[1].reason
    ratings = write(
        tmp_path, "r.jsonl", json.dumps({"item": "F\u009b12", "rater": "E01", "score": 5})
    )
    with pytest.raises(InterchangeError) as refused:
        read_ratings(ratings)
    assert refused.value.errors == [
        Issue(
            1,
            "item",
            "contains the control character U+009B at character 2; only tab, newline and "
            "carriage return are allowed",
        )
    ]


def test_study_checks_name_file_and_line(tmp_path: Path) -> None:
    ratings = [Rating("s1", "E01", 5), Rating("s9", "E02", 10)]
    assert check_ratings_against_scale(
        ratings, RatingScale(1, 9), {"s1"}, lines=[3, 8], file="r.jsonl"
    ) == [
        Issue(8, "item", "rating of 's9' by 'E02': unknown item 's9'", "r.jsonl"),
        Issue(8, "score", "rating of 's9' by 'E02': 10 is outside the scale 1–9", "r.jsonl"),
    ]
    items = [RatingItem("s1", "t", ("f1",)), RatingItem("s2", "t", ("f1", "F 12"))]
    issues = check_items_against_fragments(
        items, {"f1"}, lines=[1, 4], file="i.jsonl", evidence="f.jsonl"
    )
    assert issues == [
        Issue(
            4,
            "fragment_ids",
            "item 's2': cites unknown fragment 'F 12', which is not in f.jsonl",
            "i.jsonl",
        )
    ]
    refusal = InterchangeError.across(
        [Issue(2, "kind", "unknown", "f.jsonl"), *issues], consequence="nothing was written"
    )
    assert refusal.summary == "f.jsonl and i.jsonl: 2 problem(s); nothing was written"
    assert refusal.details == [
        "f.jsonl:2: kind: unknown",
        "i.jsonl:4: fragment_ids: item 's2': cites unknown fragment 'F 12', which is not in "
        "f.jsonl",
    ]


def test_ratings_and_items_round_trip(tmp_path: Path) -> None:
    ratings = [Rating("s1", "E01", 7), Rating("s2", "E02", 1)]
    items = [RatingItem("s1", "Fund it.", ("f1",), "funding"), RatingItem("s2", "Café ☕", ())]
    write_ratings_jsonl(tmp_path / "r.jsonl", ratings)
    write_rating_items_jsonl(tmp_path / "i.jsonl", items)
    assert read_ratings(tmp_path / "r.jsonl") == ratings
    assert read_rating_items(tmp_path / "i.jsonl") == items


# -- round trip --------------------------------------------------------------------------------

# Any text a person could type: no control characters but tab, newline and CR (Cc), no
# surrogates (Cs), no unassigned code points or non-characters (Cn); ids follow the id rule.
_chars = st.characters(
    codec="utf-8", exclude_categories=("Cc", "Cs", "Cn"), include_characters="\t\n\r"
)
_text = st.text(_chars, min_size=1, max_size=300).filter(lambda s: bool(s.strip()))
_ident = st.text(_chars, min_size=1, max_size=20).filter(lambda s: bool(s.strip()))
_id = st.from_regex(IDENTIFIER, fullmatch=True)
_fragment = st.builds(
    Fragment,
    id=_id,
    author=_ident,
    kind=st.sampled_from(FragmentKind),
    text=_text,
    confidence=st.integers(1, 5),
    group=st.none() | _ident,
    question=st.none() | _text,
    sources=st.lists(_ident, max_size=4).map(tuple),
)


@settings(max_examples=150, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.lists(_fragment, min_size=1, max_size=12, unique_by=lambda f: f.id))
def test_write_then_read_gives_the_same_fragments(
    tmp_path: Path, fragments: list[Fragment]
) -> None:
    path = tmp_path / "round-trip.jsonl"
    write_fragments_jsonl(path, fragments)
    assert read_fragments(path) == fragments
    assert parse_fragments(path.read_text(encoding="utf-8")).unwrap() == fragments


def _excluded_by_the_docs(char: str) -> bool:
    """The documented rule, stated with Unicode's own categories rather than the code's ranges:
    no control character (Cc: C0, DEL and C1) but tab, newline and CR, no surrogate (Cs), no
    non-character."""
    code = ord(char)
    noncharacter = 0xFDD0 <= code <= 0xFDEF or code & 0xFFFE == 0xFFFE
    return noncharacter or (unicodedata.category(char) in ("Cc", "Cs") and char not in "\t\n\r")


# Any character at all, with the 65 control characters drawn often enough that each is tried:
# a generator that leaves out Cc (as the round trip's must) cannot catch a missed control.
_any_char = st.characters() | st.characters(categories=("Cc",))


@settings(max_examples=300)
@given(st.text(_any_char, min_size=1, max_size=12))
def test_text_is_refused_exactly_when_it_holds_a_character_the_docs_exclude(text: str) -> None:
    result = parse_fragments(line(text="x" + text))
    excluded = [c for c in text if _excluded_by_the_docs(c)]
    assert result.ok == (not excluded), (text, result.errors)
    if excluded:
        assert result.errors[0].field == "text"
        assert f"U+{ord(excluded[0]):04X}" in result.errors[0].reason


def test_ids_longer_than_the_database_allows_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "long.jsonl"
    row = {"id": "x" * 70, "author": "E01", "kind": "claim", "text": "t", "confidence": 3}
    path.write_text(json.dumps(row) + "\n")
    with pytest.raises(InterchangeError, match="limit is 64"):
        read_fragments(path)
