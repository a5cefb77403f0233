"""The files of a prioritisation study: its [prioritise] section (every problem at its file,
line and field), its items file, and score files (cannot judge, strict refusals)."""

from __future__ import annotations

from pathlib import Path

import pytest

from symphonia.core.priorities.definition import AggregationRule, Direction
from symphonia.core.study import StudyKind
from symphonia.interchange.priorities import (
    check_scores_against_study,
    parse_priority_items,
    parse_priority_scores,
)
from symphonia.interchange.priority_study import line_of, toml_field_lines
from symphonia.studyfiles import StudyFileError, load_study

DEMO = Path(__file__).resolve().parents[2] / "rounds" / "connected-icb-priorities"

STUDY = """\
[study]
id = "mini"
kind = "prioritise"
title = "Mini"
question = "What first?"

[[groups]]
id = "a"
name = "A"

[[panel]]
pseudonym = "E01"
group = "a"

[prioritise]
items = "items.jsonl"
top = 1

[[prioritise.criteria]]
id = "impact"
name = "Impact"
weight = 0.6

[[prioritise.criteria]]
id = "cost"
name = "Cost"
weight = 0.4
direction = "cost"
scale = { min = 1, max = 5 }

[[rounds]]
number = 1
kind = "rate"
scores = "scores.jsonl"
"""
ITEMS = '{"id": "x", "title": "X"}\n{"id": "y", "title": "Y", "description": "Why"}\n'


def study_dir(tmp_path: Path, text: str = STUDY, items: str = ITEMS) -> Path:
    folder = tmp_path / "mini"
    folder.mkdir(parents=True)
    (folder / "study.toml").write_text(text)
    (folder / "items.jsonl").write_text(items)
    (folder / "scores.jsonl").write_text(
        '{"item": "x", "criterion": "impact", "rater": "E01", "score": 5}\n'
    )
    return folder


def refusal(tmp_path: Path, text: str = STUDY, items: str = ITEMS) -> list[str]:
    with pytest.raises(StudyFileError) as refused:
        load_study(study_dir(tmp_path, text, items))
    return [str(p) for p in refused.value.problems]


def test_the_demo_study_loads() -> None:
    study = load_study(DEMO)
    assert study.kind is StudyKind.PRIORITISE
    assert study.synthetic
    assert study.prioritise is not None
    assert [c.id for c in study.prioritise.criteria] == [
        "impact", "feasibility", "data_readiness", "trust", "cost",
    ]  # fmt: skip
    assert study.prioritise.criterion("cost").direction is Direction.COST  # type: ignore[union-attr]
    assert len(study.prioritise.items) == 12
    assert [r.scores for r in study.rounds] == ["round1-scores.jsonl", "round2-scores.jsonl"]
    assert len(study.experts) == 15


def test_a_minimal_study_and_its_defaults(tmp_path: Path) -> None:
    p = load_study(study_dir(tmp_path)).prioritise
    assert p is not None
    assert p.rule is AggregationRule.WEIGHTED_MEAN
    assert p.criterion("impact").scale.maximum == 9  # type: ignore[union-attr]  # protocol's
    assert p.criterion("cost").scale.maximum == 5  # type: ignore[union-attr]
    assert [i.id for i in p.items] == ["x", "y"]


def test_weights_that_do_not_sum_are_refused_at_their_line(tmp_path: Path) -> None:
    problems = refusal(tmp_path, STUDY.replace("weight = 0.4", "weight = 0.45"))
    assert problems == [
        f"{tmp_path / 'mini' / 'study.toml'}:19: prioritise.criteria: the weights (0.6 + 0.45) "
        "sum to 1.05; rule weighted_mean needs them to sum to weights_total = 1"
    ]


def test_percentages_sum_to_a_hundred(tmp_path: Path) -> None:
    text = STUDY.replace("weight = 0.6", "weight = 60").replace("weight = 0.4", "weight = 40")
    assert refusal(tmp_path, text)[0].endswith(
        "sum to 100; rule weighted_mean needs them to sum to weights_total = 1"
    )
    text = text.replace("top = 1", "top = 1\nweights_total = 100")
    assert load_study(study_dir(tmp_path / "ok", text)).prioritise is not None


@pytest.mark.parametrize(
    ("old", "new", "line", "field", "reason"),
    [
        ('direction = "cost"', 'direction = "down"', 28, "prioritise.criteria[1].direction",
         "unknown direction 'down'; expected benefit or cost"),
        ("weight = 0.6", "weight = -0.6", 22, "prioritise.criteria[0].weight",
         "must be a number above 0, got -0.6"),
        ("scale = { min = 1, max = 5 }", "scale = { min = 1, max = 2 }", 29,
         "prioritise.criteria[1].scale", "needs at least three points (maximum - minimum >= 2)"),
        ('id = "cost"', 'id = "impact"', 25, "prioritise.criteria[1].id",
         "duplicate criterion 'impact' (see criteria[0])"),
        ("top = 1", 'top = 1\nrule = "vote"', 18, "prioritise.rule",
         "unknown aggregation rule 'vote'; expected weighted_mean or weighted_median"),
        ("top = 1", "top = 0", 17, "prioritise.top", "must be at least 1"),
        ('items = "items.jsonl"', 'items = "../items.jsonl"', 16, "prioritise.items",
         "'../items.jsonl' must be a path relative to the study directory"),
    ],
)  # fmt: skip
def test_each_problem_of_the_section_names_its_line(
    tmp_path: Path, old: str, new: str, line: int, field: str, reason: str
) -> None:
    assert old in STUDY
    problems = refusal(tmp_path, STUDY.replace(old, new, 1))
    assert f"{tmp_path / 'mini' / 'study.toml'}:{line}: {field}: {reason}" in problems, problems


def test_problems_in_the_items_file_name_its_line(tmp_path: Path) -> None:
    items = ITEMS + '{"id": "x", "title": "again"}\n{"id": "bad id", "title": ""}\n'
    problems = refusal(tmp_path, items=items)
    file = tmp_path / "mini" / "items.jsonl"
    assert f"{file}:3: id: duplicate id 'x'; already used on line 1" in problems
    assert any(p.startswith(f"{file}:4: id: ") for p in problems)
    assert f"{file}:4: title: must not be empty" in problems


def test_kind_and_section_go_together(tmp_path: Path) -> None:
    no_section = STUDY[: STUDY.index("[prioritise]")] + STUDY[STUDY.index("[[rounds]]") :]
    assert any(
        "prioritise: a prioritise study needs a [prioritise] section" in p
        for p in refusal(tmp_path, no_section)
    )
    delphi = STUDY.replace('kind = "prioritise"\n', "")
    problems = refusal(tmp_path / "d", delphi)
    assert any(
        'study.kind: a [prioritise] section needs kind = "prioritise"' in p for p in problems
    )


def test_rate_rounds_of_a_prioritisation_take_scores_only(tmp_path: Path) -> None:
    text = STUDY.replace(
        'scores = "scores.jsonl"', 'ratings = "scores.jsonl"\nitems = "items.jsonl"'
    )
    problems = refusal(tmp_path, text)
    assert any(
        "rounds[0].ratings: a prioritise study's rate rounds take scores" in p for p in problems
    )


def test_field_lines_of_tables_arrays_and_inline_tables() -> None:
    lines = toml_field_lines(STUDY)
    assert lines["prioritise"] == 15
    assert lines["prioritise.criteria"] == 19
    assert lines["prioritise.criteria[1]"] == 24
    assert lines["prioritise.criteria[1].scale.max"] == 29
    assert line_of(lines, "prioritise.criteria[1].scale") == 29
    assert line_of(lines, "prioritise.criteria[1].description") == 24  # absent: its table
    assert line_of(lines, "rounds[0].number") is not None
    text = 'a = """\nb = 1\n"""\n[x]\nc = 2\n'
    assert toml_field_lines(text) == {"a": 1, "x": 4, "x.c": 5}


# Score files ---------------------------------------------------------------------------------


def test_scores_with_cannot_judge_as_null_or_as_a_flag() -> None:
    text = (
        '{"item": "x", "criterion": "impact", "rater": "E01", "score": 7}\n'
        '{"item": "x", "criterion": "cost", "rater": "E01", "score": null}\n'
        '{"item": "y", "criterion": "cost", "rater": "E01", "cannot_judge": true}\n'
        '{"item": "y", "criterion": "impact", "rater": "E01", "score": 2, "cannot_judge": false}\n'
    )
    read = parse_priority_scores(text)
    assert read.ok, read.errors
    assert [s.score for s in read.records] == [7, None, None, 2]
    assert read.lines == [1, 2, 3, 4]


def test_csv_scores() -> None:
    text = "item,criterion,rater,score,cannot_judge\nx,impact,E01,7,\nx,cost,E01,,true\n"
    read = parse_priority_scores(text, fmt="csv")
    assert read.ok, read.errors
    assert [(s.criterion, s.score) for s in read.records] == [("impact", 7), ("cost", None)]


@pytest.mark.parametrize(
    ("line", "field", "reason"),
    [
        ('{"item": "x", "criterion": "impact", "rater": "E01"}', "score",
         "required field is missing; a whole number, or null (or cannot_judge: true)"),
        ('{"item": "x", "criterion": "impact", "rater": "E01", "score": 3, "cannot_judge": true}',
         "score", "give a score or cannot_judge = true, not both"),
        ('{"item": "x", "criterion": "impact", "rater": "E01", "score": 2.5}', "score",
         "must be a whole number (or null for cannot judge), got number 2.5"),
        ('{"item": "x", "criterion": "impact", "rater": "E01", "cannot_judge": "yes"}',
         "cannot_judge", "must be true or false, got string"),
        ('{"item": "x", "rater": "E01", "score": 3}', "criterion", "required field is missing"),
        ('{"item": "x", "criterion": "impact", "rater": "E01", "score": 3, "weight": 1}',
         "weight", "unknown field; allowed fields are item, criterion, rater, score, cannot_judge"),
    ],
)  # fmt: skip
def test_bad_score_lines_are_refused_with_line_and_field(
    line: str, field: str, reason: str
) -> None:
    read = parse_priority_scores(
        '{"item": "y", "criterion": "impact", "rater": "E01", "score": 1}\n' + line + "\n",
        file="s.jsonl",
    )
    assert not read.ok
    assert not read.records
    assert [(e.line, e.field, e.reason) for e in read.errors] == [(2, field, reason)]


def test_a_score_given_twice_is_refused() -> None:
    line = '{"item": "x", "criterion": "impact", "rater": "E01", "score": 3}\n'
    read = parse_priority_scores(line + line)
    assert [(e.line, e.reason) for e in read.errors] == [
        (2, "'E01' already scored item 'x' on 'impact' on line 1")
    ]


def test_scores_checked_against_the_study(tmp_path: Path) -> None:
    definition = load_study(study_dir(tmp_path)).prioritise
    assert definition is not None
    text = (
        '{"item": "x", "criterion": "impact", "rater": "E01", "score": 9}\n'
        '{"item": "z", "criterion": "impact", "rater": "E01", "score": 5}\n'
        '{"item": "x", "criterion": "reach", "rater": "E01", "score": 5}\n'
        '{"item": "x", "criterion": "cost", "rater": "E09", "score": 7}\n'
        '{"item": "y", "criterion": "cost", "rater": "E01", "score": null}\n'
    )
    read = parse_priority_scores(text, file="s.jsonl")
    issues = check_scores_against_study(
        read.records, definition, {"x", "y"}, {"E01"}, lines=read.lines, file="s.jsonl"
    )
    assert [i.problem("s.jsonl").__str__() for i in issues] == [
        "s.jsonl:2: item: score of 'z' on 'impact' by 'E01': unknown item 'z'",
        "s.jsonl:3: criterion: score of 'x' on 'reach' by 'E01': unknown criterion 'reach'; "
        "expected one of impact, cost",
        "s.jsonl:4: score: score of 'x' on 'cost' by 'E09': 7 is outside criterion 'cost''s "
        "scale 1–5",
        "s.jsonl:4: rater: score of 'x' on 'cost' by 'E09': 'E09' is not on the panel",
    ]


def test_items_file() -> None:
    read = parse_priority_items('{"id": "x", "title": "X", "fragment_ids": ["f1"]}\n')
    assert read.ok
    assert read.records[0].fragment_ids == ("f1",)
    empty = parse_priority_items("\n")
    assert [e.reason for e in empty.errors] == [
        "holds no candidate items; expected one JSON object per line"
    ]
