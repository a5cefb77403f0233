"""The report's provenance as W3C PROV-JSON (the `prov` package).

Entities: every fragment of the round, every statement, the synthesis version (a collection
of its statements) and its parent versions. Activities: the analysis (themes from the
fragments), the drafting, each editor's amendment, the publication. Agents: the
pseudonymous contributors (none in an anonymous study: its fragments are attributed to the
panel as a whole), the editors, the publisher, the drafting software and the language model.
Every statement `wasDerivedFrom` each fragment it cites, so a reader's tool can walk from
any sentence to the words behind it and to who wrote them.

Identifiers live under a URN of the study; every relation is given an identifier of its
own, so the same records give the same document (no generated blank nodes), written with
sorted keys.
"""

from __future__ import annotations

import datetime
import json
import re
from typing import Any

from symphonia.services.reporting import ReportDocument

PROV_TYPE = "prov:type"


def _local(value: str) -> str:
    """An id safe as a PROV qualified name's local part."""
    return re.sub(r"[^A-Za-z0-9_.-]", lambda m: f"_{ord(m.group()):x}_", value)


def _time(moment: datetime.datetime | None) -> datetime.datetime | None:
    return moment.astimezone(datetime.UTC) if moment else None


def _agents(p: Any, doc: ReportDocument) -> dict[str, Any]:
    contributors: dict[str, Any] = {}
    for f in doc.evidence:
        who = f.author or "panel"
        if who not in contributors:
            kind = "contributor" if f.author else "panel (anonymous study)"
            contributors[who] = p.agent(
                f"sym:agent/contributor/{_local(who)}",
                {PROV_TYPE: "prov:Person", "sym:role": kind, "prov:label": who},
            )
    return contributors


def build_prov(doc: ReportDocument) -> Any:
    from prov.model import ProvDocument

    p = ProvDocument()
    p.add_namespace("sym", f"urn:symphonia:study:{_local(doc.study.slug)}:")
    contributors = _agents(p, doc)
    d = doc.methods.drafting
    software = p.agent(
        f"sym:agent/drafter/{_local(d.drafter)}",
        {PROV_TYPE: "prov:SoftwareAgent", "prov:label": f"Symphonia {d.drafter} drafter"},
    )
    model = None
    if d.model:
        model = p.agent(
            f"sym:agent/model/{_local(d.model)}",
            {PROV_TYPE: "prov:SoftwareAgent", "prov:label": f"language model {d.model}"},
        )
    embedder = p.agent(
        f"sym:agent/embedding/{_local(d.embedding_model or 'none')}",
        {PROV_TYPE: "prov:SoftwareAgent", "prov:label": f"embedding model {d.embedding_model}"},
    )
    created = _time(doc.version.created_at)
    analysis = p.activity(
        f"sym:activity/analysis/round-{doc.round.number}",
        None,
        created,
        {
            "sym:inputHash": d.input_hash or "",
            "sym:themes": d.themes,
            "prov:label": "theme analysis and classification",
        },
    )
    p.wasAssociatedWith(analysis, embedder, identifier=f"sym:assoc/analysis/{doc.round.number}")
    drafting = p.activity(
        f"sym:activity/drafting/v{doc.version.number}",
        None,
        created,
        {"prov:label": f"drafting ({d.drafter})"},
    )
    p.wasInformedBy(drafting, analysis, identifier=f"sym:informed/v{doc.version.number}")
    p.wasAssociatedWith(drafting, software, identifier=f"sym:assoc/drafting/{doc.version.number}")
    if model is not None:
        p.wasAssociatedWith(drafting, model, identifier=f"sym:assoc/model/{doc.version.number}")
    fragments = {}
    for f in doc.evidence:
        entity = p.entity(
            f"sym:fragment/{_local(f.id)}",
            {
                PROV_TYPE: "sym:Fragment",
                "prov:label": f.id,
                "sym:kind": f.kind,
                "sym:text": f.text,
                "sym:confidence": f.confidence,
                "sym:group": f.group or "",
                "sym:theme": f.theme_key or "singular",
            },
        )
        fragments[f.id] = entity
        who = contributors[f.author or "panel"]
        p.wasAttributedTo(entity, who, identifier=f"sym:attribution/{_local(f.id)}")
        p.used(analysis, entity, identifier=f"sym:usage/analysis/{_local(f.id)}")
    version = p.collection(
        f"sym:version/round-{doc.round.number}/v{doc.version.number}",
        {
            "prov:label": f"synthesis version {doc.version.number} of round {doc.round.number}",
            "sym:origin": doc.version.origin,
        },
    )
    p.wasGeneratedBy(
        version, drafting, created, identifier=f"sym:generation/version/{doc.version.number}"
    )
    if doc.version.parent_number is not None:
        parent = p.entity(
            f"sym:version/round-{doc.round.number}/v{doc.version.parent_number}",
            {PROV_TYPE: "prov:Collection"},
        )
        p.wasDerivedFrom(
            version,
            parent,
            identifier=f"sym:revision/v{doc.version.number}",
            other_attributes={PROV_TYPE: "prov:Revision"},
        )
    for s in doc.statements:
        local = _local(s.key)
        entity = p.entity(
            f"sym:statement/{local}",
            {
                PROV_TYPE: "sym:Statement",
                "prov:label": s.key,
                "sym:section": s.section,
                "sym:text": s.text,
                "sym:origin": s.origin,
            },
        )
        p.wasGeneratedBy(entity, drafting, created, identifier=f"sym:generation/{local}")
        p.hadMember(version, entity)
        for fid in s.citations:
            if fid in fragments:
                p.wasDerivedFrom(
                    entity,
                    fragments[fid],
                    drafting,
                    identifier=f"sym:derivation/{local}/{_local(fid)}",
                )
    _amendments(p, doc, version)
    _flags(p, doc)
    if doc.version.published_at is not None:
        published = _time(doc.version.published_at)
        publication = p.activity(
            f"sym:activity/publication/v{doc.version.number}",
            published,
            published,
            {"prov:label": "publication"},
        )
        p.used(publication, version, identifier=f"sym:usage/publication/{doc.version.number}")
        publisher = p.agent(
            f"sym:agent/publisher/{_local(doc.version.published_by or 'unknown')}",
            {PROV_TYPE: "prov:Person", "prov:label": doc.version.published_by or "unknown"},
        )
        p.wasAssociatedWith(
            publication, publisher, identifier=f"sym:assoc/publication/{doc.version.number}"
        )
    return p


def _amendments(p: Any, doc: ReportDocument, version: Any) -> None:
    for n, m in enumerate(doc.amendments, start=1):
        when = _time(m.at)
        activity = p.activity(
            f"sym:activity/amendment/{n}",
            when,
            when,
            {"prov:label": f"{m.action}: {m.reason}", "sym:action": m.action},
        )
        editor = p.agent(
            f"sym:agent/editor/{_local(m.editor)}",
            {PROV_TYPE: "prov:Person", "sym:role": "editor", "prov:label": m.editor},
        )
        p.wasAssociatedWith(activity, editor, identifier=f"sym:assoc/amendment/{n}")
        if m.before_key:
            before = p.entity(
                f"sym:statement-before/{n}/{_local(m.before_key)}",
                {PROV_TYPE: "sym:Statement", "sym:text": m.before_text or ""},
            )
            p.used(activity, before, identifier=f"sym:usage/amendment/{n}")
        if m.after_key:
            after = f"sym:statement-after/{n}/{_local(m.after_key)}"
            p.entity(after, {PROV_TYPE: "sym:Statement", "sym:text": m.after_text or ""})
            p.wasGeneratedBy(after, activity, when, identifier=f"sym:generation/amendment/{n}")


def _flags(p: Any, doc: ReportDocument) -> None:
    """Each answered panellist flag: an entity attributed to its panellist (as anonymity
    allows), and the editors' answer as an activity that used it."""
    for n, f in enumerate(doc.flags.flags, start=1):
        flag = p.entity(
            f"sym:flag/{n}",
            {
                PROV_TYPE: "sym:Flag",
                "sym:statement": f.statement_key,
                "sym:comment": f.comment,
            },
        )
        # the panellist is a contributor agent already (their fragment is in the evidence)
        who = f"sym:agent/contributor/{_local(f.raised_by or 'panel')}"
        p.wasAttributedTo(flag, who, identifier=f"sym:attribution/flag/{n}")
        when = _time(f.answered_at)
        answer = p.activity(
            f"sym:activity/flag-answer/{n}",
            when,
            when,
            {"prov:label": f"{f.answer}: {f.answer_reason}", "sym:answer": f.answer},
        )
        p.used(answer, flag, identifier=f"sym:usage/flag/{n}")
        editor = p.agent(
            f"sym:agent/editor/{_local(f.answered_by)}",
            {PROV_TYPE: "prov:Person", "sym:role": "editor", "prov:label": f.answered_by},
        )
        p.wasAssociatedWith(answer, editor, identifier=f"sym:assoc/flag-answer/{n}")


def render_prov(doc: ReportDocument) -> str:
    data = json.loads(build_prov(doc).serialize(format="json"))
    return json.dumps(data, ensure_ascii=False, indent=2, sort_keys=True) + "\n"
