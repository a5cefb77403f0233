"""The panel list reader: strict, all-or-nothing, every problem named by line and field."""

from __future__ import annotations

from hypothesis import given
from hypothesis import strategies as st

from symphonia.core.actors import StudyRole
from symphonia.interchange.panel import PanelRow, parse_panel, parse_panel_rows


def test_experts_and_staff_are_read_with_stored_emails() -> None:
    text = (
        "pseudonym,email,group,role,name\n"
        "E01, Ann@Example.org ,clin,,\n"
        "E02,,par,expert,\n"
        ",bob@example.org,,Editor,Bob Jones\n"
    )
    result = parse_panel(text)
    assert result.ok, result.errors
    assert result.records == [
        PanelRow(2, StudyRole.EXPERT, "E01", "ann@example.org", "clin", None),
        PanelRow(3, StudyRole.EXPERT, "E02", None, "par", None),
        PanelRow(4, StudyRole.EDITOR, None, "bob@example.org", None, "Bob Jones"),
    ]
    assert [r.staff for r in result.records] == [False, False, True]


def test_every_bad_row_is_listed_and_nothing_is_kept() -> None:
    text = (
        "pseudonym,email,group,role\n"
        "E01,ann@example.org,clin,expert\n"  # fine
        "E 2,not-an-email,clin,expert\n"  # bad pseudonym, bad email
        "E03,,,expert\n"  # no group
        "E01,carl@example.org,clin,expert\n"  # pseudonym twice
        "E04,ANN@example.org,par,expert\n"  # email twice (case does not matter)
        ",,,reader\n"  # staff without email
        "E05,dan@example.org,clin,reader\n"  # staff with pseudonym and group
        "E06,eve@example.org,clin,chair\n"  # unknown role
    )
    result = parse_panel(text, file="panel.csv")
    assert result.records == []
    found = {(e.line, e.field) for e in result.errors}
    assert found == {
        (3, "pseudonym"),
        (3, "email"),
        (4, "group"),
        (5, "pseudonym"),
        (6, "email"),
        (7, "email"),
        (8, "pseudonym"),
        (8, "group"),
        (9, "role"),
    }
    refusal = result.issues[0].problem(result.file)
    assert refusal.location == "panel.csv:3"


def test_unknown_columns_and_empty_lists_are_refused() -> None:
    assert {e.field for e in parse_panel("pseudonym,mail\nE01,a@b.org\n").errors} == {"mail"}
    assert parse_panel("pseudonym,email,group\n").errors[0].reason.startswith("holds no people")
    ragged = parse_panel("pseudonym,email,group\nE01,a@b.org\n")
    assert ragged.errors[0].field == "(row)"


def test_rows_from_the_api_follow_the_same_rules() -> None:
    result = parse_panel_rows(
        [
            {"pseudonym": "E01", "email": "a@b.org", "group": "clin"},
            {"pseudonym": "E02", "group": "clin", "colour": "red"},
            {"pseudonym": "E03", "group": 7},
        ]
    )
    assert [(e.line, e.field) for e in result.errors] == [(2, "colour"), (3, "group")]
    assert result.issues[0].problem(result.file).location == "rows:2"


@given(
    st.lists(
        st.tuples(
            st.from_regex(r"E[0-9]{1,3}", fullmatch=True),
            st.sampled_from(["clin", "par"]),
            st.booleans(),
        ),
        min_size=1,
        max_size=12,
    )
)
def test_a_list_is_read_whole_or_refused_whole(people: list[tuple[str, str, bool]]) -> None:
    lines = ["pseudonym,email,group"]
    for pseudonym, group, with_email in people:
        email = f"{pseudonym.lower()}@example.org" if with_email else ""
        lines.append(f"{pseudonym},{email},{group}")
    result = parse_panel("\n".join(lines) + "\n")
    unique = len({p for p, _, _ in people}) == len(people)
    assert result.ok == unique
    if unique:
        assert [r.pseudonym for r in result.records] == [p for p, _, _ in people]
        assert result.lines == list(range(2, len(people) + 2))
    else:
        assert result.records == []
