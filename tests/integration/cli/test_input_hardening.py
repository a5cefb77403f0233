"""Hostile and careless files: refused whole, with file, line, field and reason, exit 2, never a
traceback, and nothing written (no rows, no audit event, no output folder)."""

from __future__ import annotations

import json
import sqlite3
from pathlib import Path

import pytest

from tests.integration.cli.conftest import Invoke

STUDY = "connected-icb"
GOOD = {"id": "x1", "author": "E01", "kind": "claim", "text": "A claim.", "confidence": 3}


def jsonl(path: Path, *rows: object) -> Path:
    path.write_text("\n".join(r if isinstance(r, str) else json.dumps(r) for r in rows) + "\n")
    return path


def rows(data_dir: Path, table: str, where: str = "1=1") -> int:
    """Rows in the CLI's SQLite database (the isolated data dir of every test)."""
    with sqlite3.connect(data_dir / "symphonia.db") as db:
        return int(db.execute(f"SELECT count(*) FROM {table} WHERE {where}").fetchone()[0])


def audited(data_dir: Path, action: str) -> int:
    return rows(data_dir, "audit_event", f"action = '{action}'")


def clean_refusal(outcome: object, *expected: str) -> None:
    code, out, err = outcome.code, outcome.out, outcome.err  # type: ignore[attr-defined]
    assert code == 2, (out, err)
    assert "Traceback" not in out + err
    for text in expected:
        assert text in err, err


@pytest.fixture
def round1(cli: Invoke, demo_study_dir: Path) -> Invoke:
    """The demo study loaded, round 1 open for fragments."""
    for step in (("db", "upgrade"), ("study", "load", demo_study_dir)):
        assert cli(*step).code == 0
    assert cli("round", "open", STUDY, "1").code == 0
    return cli


@pytest.fixture
def round2(round1: Invoke, demo_study_dir: Path) -> Invoke:
    """Round 1's fragments imported and closed; round 2 open for ratings."""
    frags = demo_study_dir / "round1-fragments.jsonl"
    assert round1("fragments", "import", STUDY, "1", frags).code == 0
    assert round1("round", "close", STUDY, "1").code == 0
    assert round1("round", "open", STUDY, "2").code == 0
    return round1


# -- 1. tracebacks ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "args", [("db", "upgrade", "--revision", "bogus"), ("db", "downgrade", "bogus")], ids=str
)
def test_unknown_revision_is_one_clear_line(cli: Invoke, args: tuple[str, ...]) -> None:
    assert cli("db", "upgrade").code == 0
    outcome = cli(*args)
    clean_refusal(outcome, "revision 'bogus'", "Can't locate revision")
    assert len(outcome.err.strip().splitlines()) == 1


def deep(path: Path) -> Path:
    return jsonl(path, GOOD, "[" * 5000)


def test_deeply_nested_json_is_a_malformed_line(
    round2: Invoke, tmp_path: Path, demo_study_dir: Path
) -> None:
    frags = round2("fragments", "import", STUDY, "2", deep(tmp_path / "f.jsonl"))
    clean_refusal(frags, "f.jsonl:2: (json): malformed JSON: values nested too deeply")
    ratings = round2("ratings", "import", STUDY, "2", deep(tmp_path / "r.jsonl"))
    clean_refusal(ratings, "r.jsonl:2: (json)", "nested too deeply")
    analyzed = round2("analyze", deep(tmp_path / "a.jsonl"), "--out", tmp_path / "o.json", "-q")
    clean_refusal(analyzed, "a.jsonl:2: (json)", "nested too deeply")


# -- 2. empty input --------------------------------------------------------------------------

EMPTY = {"0-byte": ("f.jsonl", ""), "blank lines": ("f.jsonl", "\n  \n\n"), "csv header": None}


@pytest.mark.parametrize("case", EMPTY, ids=str)
def test_empty_fragment_files_are_refused(
    round1: Invoke, tmp_path: Path, isolated_settings: Path, case: str
) -> None:
    name, text = EMPTY[case] or ("f.csv", "id,author,kind,text\n")
    path = tmp_path / name
    path.write_text(text)
    outcome = round1("fragments", "import", STUDY, "1", path)
    clean_refusal(outcome, str(path), "holds no fragments")
    assert audited(isolated_settings, "fragments.imported") == 0


@pytest.mark.parametrize("case", EMPTY, ids=str)
def test_empty_rating_files_are_refused(
    round2: Invoke, tmp_path: Path, isolated_settings: Path, case: str
) -> None:
    name, text = EMPTY[case] or ("r.csv", "item,rater,score\n")
    path = tmp_path / name.replace("f.", "r.")
    path.write_text(text)
    outcome = round2("ratings", "import", STUDY, "2", path)
    clean_refusal(outcome, str(path), "holds no ratings")
    assert audited(isolated_settings, "ratings.imported") == 0
    assert rows(isolated_settings, "rating") == 0


def test_header_only_polis_export_creates_no_study(
    cli: Invoke, polis_mini: Path, isolated_settings: Path
) -> None:
    assert cli("db", "upgrade").code == 0
    comments = polis_mini / "comments.csv"
    comments.write_text(comments.read_text().splitlines()[0] + "\n")
    clean_refusal(cli("import-polis", polis_mini), "comments.csv", "holds no comments")
    assert rows(isolated_settings, "study") == 0
    assert rows(isolated_settings, "audit_event") == 0


def test_polis_export_without_votes_or_counts_is_refused(
    cli: Invoke, polis_mini: Path, isolated_settings: Path
) -> None:
    """No votes in votes.csv and no comment counted in comments.csv: nothing to rate with.
    (With counts, the import falls back on them: tests/unit/test_polis.py.)"""
    import csv
    import io

    assert cli("db", "upgrade").code == 0
    votes = polis_mini / "votes.csv"
    votes.write_text(votes.read_text().splitlines()[0] + "\n")
    comments = polis_mini / "comments.csv"
    table = list(csv.DictReader(io.StringIO(comments.read_text(encoding="utf-8"))))
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(table[0]))
    writer.writeheader()
    writer.writerows({**row, "agrees": "0", "disagrees": "0"} for row in table)
    comments.write_text(out.getvalue(), encoding="utf-8")
    clean_refusal(cli("import-polis", polis_mini), "votes.csv", "holds no votes")
    assert rows(isolated_settings, "study") == 0


# -- 3. control characters -------------------------------------------------------------------

CONTROL = {
    "NUL in text": ({"text": "before\u0000after"}, "text: contains a NUL character (U+0000)"),
    "escape in author": ({"author": "E01\u001b"}, "author: contains the control character U+001B"),
    "NUL in a source": ({"sources": ["ok", "x\u0000"]}, "sources[1]: contains a NUL"),
    "bell in question": ({"question": "why\u0007"}, "question: contains the control character"),
    "non-character": ({"text": "odd \uffff text"}, "text: contains the Unicode non-character"),
    "lone surrogate": ('{"id": "x1", "author": "E01", "kind": "claim", "text": "\\ud800"}', "lone"),
}


@pytest.mark.parametrize("case", CONTROL, ids=str)
def test_control_characters_are_refused_with_line_and_field(
    round1: Invoke, tmp_path: Path, isolated_settings: Path, case: str
) -> None:
    change, expected = CONTROL[case]
    bad = change if isinstance(change, str) else json.dumps({**GOOD, **change})
    path = jsonl(tmp_path / "bad.jsonl", GOOD | {"id": "ok1"}, bad)
    clean_refusal(round1("fragments", "import", STUDY, "1", path), "bad.jsonl:2:", expected)
    assert rows(isolated_settings, "fragment") == 0


def test_tab_newline_and_carriage_return_stay_allowed(round1: Invoke, tmp_path: Path) -> None:
    path = jsonl(tmp_path / "f.jsonl", {**GOOD, "text": "one\ttwo\r\nthree"})
    outcome = round1("fragments", "import", STUDY, "1", path)
    assert outcome.code == 0, outcome.err
    assert "imported 1 fragment into" in outcome.out


def test_control_characters_in_csv_and_ratings(round2: Invoke, tmp_path: Path) -> None:
    csv = tmp_path / "r.csv"
    csv.write_text("item,rater,score\nf001,E01\u0000,5\n")
    clean_refusal(round2("ratings", "import", STUDY, "2", csv), "r.csv:2: rater: contains a NUL")


def test_a_polis_comment_with_a_control_character_is_left_out_and_reported(
    cli: Invoke, polis_mini: Path, isolated_settings: Path
) -> None:
    """A third-party export is not refused whole over one garbled comment: the comment and
    its votes are left out, and the output says how many and where."""
    assert cli("db", "upgrade").code == 0
    comments = polis_mini / "comments.csv"
    comments.write_text(comments.read_text().replace("kerbs, not paint", "kerbs,\x00 not paint"))
    outcome = cli("import-polis", polis_mini)
    assert outcome.code == 0, outcome.err
    assert "3 comments as fragments" in outcome.out
    assert (
        f"left out: 1 moderated-out comment, 1 comment whose text cannot be kept "
        f"({comments} line(s) 2), with their 6 votes; 1 earlier vote changed later; "
        "1 participant with nothing kept"
    ) in outcome.out
    assert rows(isolated_settings, "fragment") == 3
    assert rows(isolated_settings, "fragment", "text LIKE '%kerbs%'") == 0
    assert audited(isolated_settings, "polis.imported") == 1


def test_a_polis_topic_too_long_for_a_question_names_file_line_and_field(
    cli: Invoke, polis_mini: Path, isolated_settings: Path
) -> None:
    assert cli("db", "upgrade").code == 0
    summary = polis_mini / "summary.csv"
    topic = "Safer streets for cycling (synthetic test fixture)"
    summary.write_text(summary.read_text().replace(topic, "t" * 301))
    outcome = cli("import-polis", polis_mini)
    clean_refusal(
        outcome,
        f"{summary}: 1 problem(s); nothing was imported",
        f"{summary}:1: topic: is 301 characters long; the limit is 300",
    )
    assert rows(isolated_settings, "study") == 0


# -- 4. ids ----------------------------------------------------------------------------------


@pytest.mark.parametrize("bad_id", ["a b\nc", "x\n", "-lead", "é1", "a/b"], ids=repr)
def test_fragment_ids_follow_the_id_rule(round1: Invoke, tmp_path: Path, bad_id: str) -> None:
    path = jsonl(tmp_path / "f.jsonl", {**GOOD, "id": bad_id})
    outcome = round1("fragments", "import", STUDY, "1", path)
    clean_refusal(outcome, "f.jsonl:1: id:", "is not a valid id", "^[A-Za-z0-9][A-Za-z0-9_.-]")


def test_declared_item_ids_follow_the_id_rule(round2: Invoke, tmp_path: Path) -> None:
    items = jsonl(tmp_path / "i.jsonl", {"id": "s 01", "text": "t", "fragment_ids": ["f001"]})
    good = jsonl(tmp_path / "g.jsonl", {"item": "s01", "rater": "E01", "score": 5})
    outcome = round2("ratings", "import", STUDY, "2", good, "--items", items)
    clean_refusal(outcome, "i.jsonl:1: id:", "not a valid id")


def test_references_are_not_held_to_the_id_rule_only_to_existing(
    round2: Invoke, tmp_path: Path
) -> None:
    """A rating's item and an item's fragments refer to ids that may predate the id rule;
    they are refused only when nothing has that id, as any unknown reference is."""
    ratings = jsonl(tmp_path / "r.jsonl", {"item": "s 1", "rater": "E01", "score": 5})
    clean_refusal(
        round2("ratings", "import", STUDY, "2", ratings),
        "r.jsonl:1: rating of 's 1' by 'E01': item: unknown item 's 1'",
    )
    items = jsonl(tmp_path / "i.jsonl", {"id": "s01", "text": "t", "fragment_ids": ["f 1"]})
    good = jsonl(tmp_path / "g.jsonl", {"item": "s01", "rater": "E01", "score": 5})
    outcome = round2("ratings", "import", STUDY, "2", good, "--items", items)
    clean_refusal(
        outcome,
        "i.jsonl:1: item 's01': fragment_ids: cites unknown fragment 'f 1', which is not in "
        "the evidence round",
    )


def test_ratings_import_reads_both_files_before_refusing(round2: Invoke, tmp_path: Path) -> None:
    ratings = jsonl(tmp_path / "r.jsonl", {"item": "s01", "rater": "E01", "score": "high"})
    items = jsonl(tmp_path / "i.jsonl", {"id": "s01", "text": "t", "fragment_ids": "f001"})
    outcome = round2("ratings", "import", STUDY, "2", ratings, "--items", items)
    clean_refusal(
        outcome,
        "r.jsonl and ",
        "i.jsonl: 2 problem(s); nothing was imported",
        "r.jsonl:1: score: must be a whole number",
        "i.jsonl:1: fragment_ids: must be a list of strings",
    )


# -- 5. analyze ------------------------------------------------------------------------------


def test_analyze_refuses_items_citing_unknown_fragments(cli: Invoke, tmp_path: Path) -> None:
    frags = jsonl(tmp_path / "f.jsonl", GOOD, {**GOOD, "id": "x2"})
    items = jsonl(
        tmp_path / "i.jsonl",
        {"id": "s1", "text": "Fine.", "fragment_ids": ["x1"]},
        {"id": "s2", "text": "Cites nothing real.", "fragment_ids": ["x2", "nope"]},
    )
    ratings = jsonl(tmp_path / "r.jsonl", {"item": "s2", "rater": "E01", "score": 5})
    out = tmp_path / "new" / "r.json"
    outcome = cli("analyze", frags, "--ratings", ratings, "--items", items, "--out", out, "-q")
    clean_refusal(
        outcome,
        "i.jsonl:2: fragment_ids: item 's2': cites unknown fragment 'nope', which is not in",
        "i.jsonl: 1 problem(s); nothing was written",
    )
    assert not (tmp_path / "new").exists()


def test_analyze_writes_no_folder_and_says_nothing_was_written(cli: Invoke, tmp_path: Path) -> None:
    bad = jsonl(tmp_path / "f.jsonl", {**GOOD, "kind": "opinion"})
    out = tmp_path / "deep" / "er" / "r.json"
    outcome = cli("analyze", bad, "--out", out, "-q")
    clean_refusal(outcome, "f.jsonl: 1 problem(s); nothing was written", "f.jsonl:1: kind")
    assert "imported" not in outcome.err
    assert not (tmp_path / "deep").exists()


def test_analyze_names_file_and_line_of_unknown_items_and_bad_scores(
    cli: Invoke, tmp_path: Path
) -> None:
    frags = jsonl(tmp_path / "f.jsonl", GOOD)
    ratings = jsonl(
        tmp_path / "r.jsonl",
        {"item": "x1", "rater": "E01", "score": 5},
        {"item": "zzz", "rater": "E02", "score": 12},
    )
    outcome = cli("analyze", frags, "--ratings", ratings, "--out", tmp_path / "o.json", "-q")
    clean_refusal(
        outcome,
        "r.jsonl: 2 problem(s); nothing was written",
        "r.jsonl:2: item: rating of 'zzz' by 'E02': unknown item 'zzz'",
        "r.jsonl:2: score: rating of 'zzz' by 'E02': 12 is outside the scale 1–9",
    )
    assert "imported" not in outcome.err
    assert not (tmp_path / "o.json").exists()


def test_analyze_reads_every_file_before_refusing(cli: Invoke, tmp_path: Path) -> None:
    """One refusal lists the problems of every file, as the help promises: a bad ratings
    file does not hide a bad items file, nor a bad fragments file either."""
    frags = jsonl(tmp_path / "f.jsonl", GOOD, {**GOOD, "id": "x2", "kind": "rumour"})
    ratings = jsonl(tmp_path / "r.jsonl", {"item": "s1", "rater": "E01", "score": 5.5})
    items = jsonl(tmp_path / "i.jsonl", {"id": "s 1", "text": "t", "fragment_ids": ["x1"]})
    out = tmp_path / "o.json"
    outcome = cli("analyze", frags, "--ratings", ratings, "--items", items, "-o", out, "-q")
    clean_refusal(
        outcome,
        "3 problem(s); nothing was written",
        "f.jsonl:2: kind: unknown kind 'rumour'",
        "r.jsonl:1: score: must be a whole number",
        "i.jsonl:1: id: ",
    )


def test_analyze_refuses_items_without_ratings(cli: Invoke, tmp_path: Path) -> None:
    frags = jsonl(tmp_path / "f.jsonl", GOOD)
    items = jsonl(tmp_path / "i.jsonl", {"id": "s1", "text": "t", "fragment_ids": ["x1"]})
    out = tmp_path / "o.json"
    outcome = cli("analyze", frags, "--items", items, "--out", out, "-q")
    clean_refusal(outcome, "--items needs --ratings")
    assert not out.exists()


# -- 6. database-side refusals name file and line, and long lists are capped ----------------


def test_panel_problems_name_file_and_line(round1: Invoke, tmp_path: Path) -> None:
    path = jsonl(tmp_path / "g.jsonl", GOOD | {"id": "g1"}, GOOD | {"id": "g2", "author": "E99"})
    outcome = round1("fragments", "import", STUDY, "1", path)
    clean_refusal(outcome, f"{path}:2: fragment 'g2': author 'E99' is not on the panel")


def test_rating_problems_name_file_and_line(round2: Invoke, tmp_path: Path) -> None:
    path = jsonl(
        tmp_path / "r.jsonl",
        {"item": "f001", "rater": "E01", "score": 5},
        {"item": "zzz", "rater": "E02", "score": 5},
    )
    outcome = round2("ratings", "import", STUDY, "2", path)
    clean_refusal(outcome, f"{path}:2: rating of 'zzz' by 'E02': item: unknown item 'zzz'")


def test_item_problems_name_the_items_file_and_line(round2: Invoke, tmp_path: Path) -> None:
    items = jsonl(
        tmp_path / "i.jsonl",
        {"id": "s01", "text": "t", "fragment_ids": ["f001"]},
        {"id": "s02", "text": "t", "fragment_ids": ["f999"]},
    )
    good = jsonl(tmp_path / "g.jsonl", {"item": "s01", "rater": "E01", "score": 5})
    outcome = round2("ratings", "import", STUDY, "2", good, "--items", items)
    clean_refusal(
        outcome, f"{items}:2: item 's02': fragment_ids: cites unknown fragment 'f999', which is"
    )


def test_long_lists_of_problems_are_capped(
    round2: Invoke, demo_study_dir: Path, isolated_settings: Path
) -> None:
    ratings = demo_study_dir / "round2-ratings.jsonl"
    items = demo_study_dir / "round2-items.jsonl"
    assert round2("ratings", "import", STUDY, "2", ratings, "--items", items).code == 0
    again = round2("ratings", "import", STUDY, "2", ratings)
    clean_refusal(again, "210 problem(s); nothing was imported", "… and 190 more")
    assert len(again.err.strip().splitlines()) <= 22
    assert audited(isolated_settings, "ratings.imported") == 1


def test_a_file_the_reader_stopped_counting_says_so_after_the_cap(
    round1: Invoke, tmp_path: Path
) -> None:
    path = jsonl(tmp_path / "f.jsonl", *["{oops"] * 70)
    outcome = round1("fragments", "import", STUDY, "1", path)
    clean_refusal(outcome, f"{path}: 50+ problem(s); nothing was imported", "  … and 30 more")
    assert outcome.err.strip().splitlines()[-1] == (
        f"{path}: stopped after 50 problems; there may be more"
    )


# -- 7. not UTF-8 ----------------------------------------------------------------------------


def test_polis_csv_that_is_not_utf8_names_file_and_line(cli: Invoke, polis_mini: Path) -> None:
    assert cli("db", "upgrade").code == 0
    comments = polis_mini / "comments.csv"
    text = comments.read_text().replace("council", "conseil municipal d'Évry")
    comments.write_bytes(text.encode("latin-1"))
    outcome = cli("import-polis", polis_mini)
    clean_refusal(outcome, f"{comments}:3: (file): not valid UTF-8 (byte 0xc9 at line 3")
    assert "position" not in outcome.err


def test_study_file_that_is_not_utf8_names_the_line(cli: Invoke, tmp_path: Path) -> None:
    study = tmp_path / "study.toml"
    study.write_bytes('[study]\nid = "s"\ntitle = "Café"\nquestion = "q"\n'.encode("latin-1"))
    outcome = cli("study", "load", study)
    clean_refusal(outcome, f"{study}: (file): not valid UTF-8 (byte 0xe9 at line 3, column 13)")
    assert "position" not in outcome.err
    assert outcome.err.count("line 3") == 1  # said once


def test_study_file_escapes_cannot_smuggle_control_characters(cli: Invoke, tmp_path: Path) -> None:
    study = tmp_path / "study.toml"
    study.write_text('[study]\nid = "s"\ntitle = "T\\u0000"\nquestion = "q"\n')
    clean_refusal(cli("study", "load", study), "study.title: contains a NUL character")
