"""Small report documents built directly from the model, for renderer unit tests."""

from __future__ import annotations

import datetime
from dataclasses import replace
from typing import Any

from symphonia.services.reporting.accord import Facts, checklist
from symphonia.services.reporting.methods_model import (
    DraftingRecord,
    GroupFlow,
    GroupSize,
    GuardSummary,
    MethodsAppendix,
    PanelComposition,
    ProtocolSummary,
    RoundFlow,
    StoppingVerdict,
)
from symphonia.services.reporting.model import (
    SCHEMA,
    EvidenceFragment,
    FlagsRecord,
    GroupAgreement,
    GuardVerdict,
    ItemStatistics,
    ReportDocument,
    ReportSection,
    RoundInfo,
    StatementEntry,
    StudyInfo,
    ThemeEntry,
    VersionInfo,
)

WHEN = datetime.datetime(2026, 1, 2, 3, 4, 5, tzinfo=datetime.UTC)
HOSTILE = "<script>alert(1)</script> [click](javascript:steal)\n- fake item | cell =1+2"
OK = GuardVerdict(True, 1.0, (), ())


def statement(
    key: str, section: str, text: str, cites: tuple[str, ...], **kw: Any
) -> StatementEntry:
    values: dict[str, Any] = {
        "key": key,
        "theme_key": None,
        "section": section,
        "text": text,
        "strength": "moderate",
        "origin": "extractive",
        "citations": cites,
        "guard": OK,
        "items": (),
        "provisional": False,
    }
    values.update(kw)
    return StatementEntry(**values)


def fragment(fid: str, text: str, **kw: Any) -> EvidenceFragment:
    values: dict[str, Any] = {
        "id": fid,
        "kind": "claim",
        "text": text,
        "confidence": 3,
        "group": "g",
        "author": "E01",
        "sources": (),
        "theme_key": None,
        "cited_by": (),
        "position": None,
    }
    values.update(kw)
    return EvidenceFragment(**values)


def item(item_id: str, theme: str | None, agreement: float = 0.8, **kw: Any) -> ItemStatistics:
    values: dict[str, Any] = {
        "item_id": item_id,
        "text": f"statement {item_id}",
        "theme_key": theme,
        "call": "consensus",
        "consensus": True,
        "direction": "agree",
        "headline": "",
        "n": 5,
        "median": 8.0,
        "iqr": 1.0,
        "mean": 7.8,
        "sd": 0.8,
        "cv": 0.1,
        "percent_agreement": agreement,
        "percent_disagreement": 0.0,
        "agreement_band": (7, 9),
        "participation": 1.0,
        "distribution": tuple((s, {7: 1, 8: 3, 9: 1}.get(s, 0)) for s in range(1, 10)),
        "groups": (GroupAgreement("g", 5, agreement, 0.0),),
        "reasons": (),
    }
    values.update(kw)
    return ItemStatistics(**values)


def methods() -> MethodsAppendix:
    appendix = MethodsAppendix(
        panel=PanelComposition(2, (GroupSize("g", "Group G", 2),), 0, (("facilitator", 1),)),
        flow=(
            RoundFlow(
                1,
                "contribute",
                "analysed",
                WHEN,
                WHEN,
                2,
                2,
                None,
                None,
                None,
                (GroupFlow("g", 2, 2),),
                2,
            ),
        ),
        protocol=ProtocolSummary(
            "percent_iqr",
            (1, 9),
            (7, 9),
            0.7,
            2.0,
            0.6,
            0.5,
            1,
            "panel",
            "stakeholder",
            3,
            0.15,
            True,
            WHEN,
        ),
        stopping=StoppingVerdict(False, False, ("first round",), 1, 3),
        stability=None,
        groups=None,
        drafting=DraftingRecord(
            "extractive",
            None,
            (),
            (),
            None,
            (),
            "m",
            "onnx",
            "abc",
            2,
            1,
            1,
            "labels",
            GuardSummary(1, 0, (), 0, 0.45),
            0,
            None,
        ),
        accord=(),
    )
    facts = Facts(appendix, "Q?", "", 1, 0, 0, 0, 0, 0, "pseudonymous", 1)
    return replace(appendix, accord=checklist(facts))


def document(**overrides: Any) -> ReportDocument:
    sections = tuple(
        ReportSection(key, title, f"section-{key}", ())
        for key, title in (
            ("consensus", "Consensus"),
            ("contested", "Contested issues"),
            ("gap", "Evidence gaps"),
            ("action", "Candidate actions"),
            ("minority", "Minority and singular views"),
        )
    )
    minority = statement("sv-x", "minority", f"Singular view: “{HOSTILE}”", ('x y)"<b>',))
    sections = tuple(
        replace(s, statements=(minority,)) if s.key == "minority" else s for s in sections
    )
    values: dict[str, Any] = {
        "schema": SCHEMA,
        "study": StudyInfo("s", "T", "Q?", "", False, "pseudonymous"),
        "round": RoundInfo(1, "contribute", "analysed", None, None, 1),
        "version": VersionInfo(1, "extractive", WHEN, None, None, None, None, "extractive", None),
        "issued_at": WHEN,
        "overview": None,
        "sections": sections,
        "contested": (),
        "themes": (),
        "singular_views": ('x y)"<b>',),
        "items": (),
        "history": (),
        "ratings": (),
        "ledger": (),
        "amendments": (),
        "flags": FlagsRecord(False, "Flags are not recorded yet.", ()),
        "evidence": (fragment('x y)"<b>', HOSTILE, cited_by=("sv-x",)),),
        "methods": methods(),
    }
    values.update(overrides)
    return ReportDocument(**values)


def consensus_document(rated: bool) -> ReportDocument:
    base = document()
    entry = statement(
        "t01-s1",
        "consensus",
        "We agree.",
        ("f1",),
        theme_key="t01",
        provisional=not rated,
        items=("s1",) if rated else (),
    )
    sections = tuple(
        replace(s, statements=(entry,)) if s.key == "consensus" else s for s in base.sections
    )
    theme = ThemeEntry(
        "t01",
        "A label",
        "extractive",
        (),
        "consensus",
        (),
        2,
        2,
        5 if rated else None,
        ("g",),
        (),
        3.0,
        ("f1",),
        ("f1",),
        None,
        ("s1",) if rated else (),
    )
    return replace(
        base,
        sections=sections,
        themes=(theme,),
        items=(item("s1", "t01"), item("s9", None, 0.4, call="too_few", consensus=False))
        if rated
        else (),
        evidence=(fragment("f1", "We agree.", theme_key="t01"), *base.evidence),
    )
