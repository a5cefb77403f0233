"""An expert's own fragments, from a web form or the API: submit, edit, withdraw, list.

The author is always the signed-in panellist (never a field of the request). Everything
stays append-only: an edit is a new fragment whose `supersedes_id` points at the one it
replaces, and a withdrawal is a row of its own, so the history of what an expert said is
whole, while analysis reads only the latest of each chain that is not withdrawn. Edits and
withdrawals are possible until the round closes.

A submission may carry an idempotency key: the same key again (a double click, a retried
request) returns the fragment already stored instead of storing a second one. Every
problem with a submission is listed at once, each naming its field, so a form can mark it.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.engine import Connection
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from symphonia.core.actors import Actor, Permission
from symphonia.core.errors import Conflict
from symphonia.db.audit import record_event, write_event
from symphonia.db.models import Fragment, FragmentWithdrawal, Participant
from symphonia.services.contributing import (
    Contributing,
    checked_as,
    checked_for,
    delete_draft,
    drop_draft,
    found_in_open_round,
    is_withdrawn,
    newer_version,
    open_for_fragments,
    own_fragment,
    panellist_in_open_round,
    same_content,
)
from symphonia.services.fragment_rows import write_fragment
from symphonia.services.lookup import get_round
from symphonia.services.permissions import study_for
from symphonia.services.submission_rules import (
    CheckedFragment,
    FragmentDraftInput,
    FragmentView,
    checked,
    current_fragments,
)
from symphonia.services.submit_statement import submit_in_one_statement
from symphonia.services.tx import transaction, write_at_once


@dataclass(frozen=True, slots=True)
class Submission:
    """A fragment as a submission left it: stored now, or stored before under the same key."""

    fragment: FragmentView
    created: bool
    """False when the idempotency key had been used already: `fragment` is the one stored
    then (a double click, a retried request), and nothing new was stored."""


def _replayed(row: Fragment, values: CheckedFragment, key: str) -> None:
    """Refuse a key used before for a different fragment: returning the old one would tell
    the caller that what they sent now was stored, and it was not."""
    if not same_content(row, values):
        raise Conflict(
            f"the idempotency key {key!r} was used for another fragment ({row.external_id!r}); "
            "send a new key with a new fragment",
            code="idempotency_key_reused",
            context={"fragment": row.external_id},
        )


async def submit_fragment(
    session: AsyncSession,
    slug: str,
    number: int,
    draft: FragmentDraftInput,
    *,
    idempotency_key: str | None = None,
    draft_key: str | None = None,
    actor: Actor,
) -> FragmentView:
    """Store the acting panellist's fragment (see :func:`store_fragment`)."""
    done = await store_fragment(
        session,
        slug,
        number,
        draft,
        idempotency_key=idempotency_key,
        draft_key=draft_key,
        actor=actor,
    )
    return done.fragment


async def store_fragment(
    session: AsyncSession,
    slug: str,
    number: int,
    draft: FragmentDraftInput,
    *,
    idempotency_key: str | None = None,
    draft_key: str | None = None,
    actor: Actor,
) -> Submission:
    """Store the acting panellist's fragment in the open round, or, for a key they used
    in this round already, return the fragment stored then (refused with
    ``idempotency_key_reused`` when that one says something else); the draft `draft_key`
    it was written in, if any, goes in the same transaction."""
    owned = not session.in_transaction()
    submitting = _Submitting(slug, number, draft, idempotency_key, draft_key, actor)
    try:
        if owned:  # the usual case, in one go: on PostgreSQL one statement, on SQLite one
            # trip to the database's thread
            done = await submitting.alone(session)
            if done is None:
                done = await write_at_once(session, submitting.at_once)
            if done is not None:
                return done
        async with transaction(session):  # a caller's transaction, or something unusual
            ctx = await panellist_in_open_round(session, slug, number, actor)
            values = await checked_for(session, ctx.author, draft, idempotency_key)
            if idempotency_key is not None and not owned:
                # in a caller's transaction a refused insert would spoil it: look first
                stored = await _by_key(session, ctx, idempotency_key)
                if stored is not None:
                    _replayed(stored, values, idempotency_key)
                    return Submission(
                        await FragmentView.of(session, stored, ctx.author.pseudonym), False
                    )
            connection = await session.connection()
            return await connection.run_sync(submitting.write, ctx, values)
    except IntegrityError:
        if idempotency_key is None or not owned:
            raise
    # The key was used before (a retried request, a double click, both at once): nothing new
    # is stored; the answer is the fragment stored then. Trying the insert first spares the
    # usual case, a new key, a query inside the write lock.
    async with transaction(session, write=False):
        ctx = await panellist_in_open_round(session, slug, number, actor)
        stored = await _by_key(session, ctx, idempotency_key)
        if stored is None:
            raise Conflict("the submission could not be stored; send it again", code="retry")
        _replayed(stored, checked(draft, idempotency_key), idempotency_key)
        return Submission(await FragmentView.of(session, stored, ctx.author.pseudonym), False)


@dataclass(frozen=True, slots=True)
class _Submitting:
    """One submission's request, and its steps as blocking Core statements on a plain
    connection (see :func:`symphonia.services.tx.write_at_once`)."""

    slug: str
    number: int
    draft: FragmentDraftInput
    idempotency_key: str | None
    draft_key: str | None
    actor: Actor

    async def alone(self, session: AsyncSession) -> Submission | None:
        """The usual case on PostgreSQL as one statement (:func:`submit_statement.
        submit_in_one_statement`), refused as :meth:`at_once` refuses a round that takes no
        fragments now; None, with nothing written, when the usual way must decide."""
        stored = await submit_in_one_statement(
            session,
            self.slug,
            self.number,
            self.draft,
            idempotency_key=self.idempotency_key,
            draft_key=self.draft_key,
            actor=self.actor,
        )
        if stored is None:
            return None
        open_for_fragments(stored.ctx, self.slug, self.number)
        return None if stored.fragment is None else Submission(stored.fragment, True)

    def at_once(self, connection: Connection) -> Submission | None:
        """The usual case whole: the panellist and the open round found in one query,
        the draft checked, and :meth:`write`; None when anything is unusual (nothing is
        written; the caller goes the long way, which words the refusal)."""
        ctx = found_in_open_round(connection, self.slug, self.number, self.actor)
        if ctx is None:
            return None
        values = checked_as(connection, ctx.author, self.draft, self.idempotency_key)
        return self.write(connection, ctx, values)

    def write(
        self, connection: Connection, ctx: Contributing, values: CheckedFragment
    ) -> Submission:
        """The fragment, the removal of the draft it was written in (if any) and the
        audit event, in the transaction of `connection`. A key used before is refused
        here, by the unique index (IntegrityError)."""
        _, fragment = write_fragment(connection, ctx, values, idempotency_key=self.idempotency_key)
        if self.draft_key is not None:
            delete_draft(connection, ctx.author.id, ctx.round.id, self.draft_key)
        detail = {"fragment": fragment.id, "kind": fragment.kind.value}
        where = f"{self.slug}/{self.number}"
        write_event(
            connection, self.actor, "fragment.submitted", "round", where, ctx.study_id, detail
        )
        return Submission(fragment, True)


async def _by_key(session: AsyncSession, ctx: Contributing, key: str) -> Fragment | None:
    return await session.scalar(
        select(Fragment).where(
            Fragment.author_id == ctx.author.id,
            Fragment.round_id == ctx.round.id,
            Fragment.idempotency_key == key,
        )
    )


async def _own_head(session: AsyncSession, ctx: Contributing, fragment_id: str) -> Fragment:
    """The acting panellist's fragment `fragment_id`, if it is current: not edited since
    (then the newer one is to be edited) and not withdrawn."""
    row = await own_fragment(session, ctx.round.id, ctx.author.id, fragment_id)
    newer = await newer_version(session, row)
    if newer is not None:
        raise Conflict(
            f"fragment {fragment_id!r} was edited since; its latest version is "
            f"{newer.external_id!r}",
            code="fragment_superseded",
            context={"fragment": fragment_id, "latest": newer.external_id},
        )
    if await is_withdrawn(session, row):
        raise Conflict(f"fragment {fragment_id!r} was withdrawn", code="fragment_withdrawn")
    return row


async def _edited_already(
    session: AsyncSession, ctx: Contributing, fragment_id: str, values: CheckedFragment
) -> Fragment | None:
    """The version that already says `values`, when this edit was made before (a double
    click, a repeated PUT): the fragment itself when nothing changed, or its direct
    successor when that is current. Editing is then idempotent, as PUT promises."""
    row = await own_fragment(session, ctx.round.id, ctx.author.id, fragment_id)
    newer = await newer_version(session, row)
    candidate = row if newer is None else newer
    if not same_content(candidate, values) or await is_withdrawn(session, candidate):
        return None
    if candidate is newer and await newer_version(session, newer) is not None:
        return None
    return candidate


async def edit_fragment(
    session: AsyncSession,
    slug: str,
    number: int,
    fragment_id: str,
    draft: FragmentDraftInput,
    *,
    actor: Actor,
) -> FragmentView:
    """Replace the panellist's fragment with a new version (the old one stays on record).
    The same edit again, or an edit that changes nothing, stores nothing and returns the
    version that says it."""
    async with transaction(session):
        ctx = await panellist_in_open_round(session, slug, number, actor)
        values = await checked_for(session, ctx.author, draft, None)
        done = await _edited_already(session, ctx, fragment_id, values)
        if done is not None:
            return await FragmentView.of(session, done, ctx.author.pseudonym)
        old = await _own_head(session, ctx, fragment_id)
        connection = await session.connection()
        return await connection.run_sync(_write_edit, ctx, values, old, actor, f"{slug}/{number}")


def _write_edit(
    connection: Connection,
    ctx: Contributing,
    values: CheckedFragment,
    old: Fragment,
    actor: Actor,
    where: str,
) -> FragmentView:
    """The new version of `old` and its audit event (Core statements, in the transaction
    of `connection`)."""
    _, fragment = write_fragment(connection, ctx, values, supersedes=old)
    detail = {"fragment": fragment.id, "supersedes": old.external_id}
    write_event(connection, actor, "fragment.edited", "round", where, ctx.study_id, detail)
    return fragment


async def withdraw_fragment(
    session: AsyncSession,
    slug: str,
    number: int,
    fragment_id: str,
    reason: str | None = None,
    *,
    actor: Actor,
) -> None:
    """Take the panellist's fragment back (recorded, never deleted)."""
    async with transaction(session):
        ctx = await panellist_in_open_round(session, slug, number, actor)
        row = await _own_head(session, ctx, fragment_id)
        session.add(
            FragmentWithdrawal(
                fragment_id=row.id,
                participant_id=ctx.author.id,
                actor=actor.label,
                reason=(reason or "").strip()[:2000] or None,
            )
        )
        detail = {"fragment": row.external_id}
        record_event(
            session, actor, "fragment.withdrawn", "round", f"{slug}/{number}", ctx.study_id, detail
        )


async def my_fragments(
    session: AsyncSession, slug: str, number: int, *, actor: Actor
) -> tuple[FragmentView, ...]:
    """The panellist's current fragments in the round, oldest first (edited ones as their
    latest version; withdrawn ones left out)."""
    async with transaction(session, write=False):
        study = await study_for(session, slug, actor, Permission.CONTRIBUTE)
        author = (
            await session.get(Participant, actor.participant_id) if actor.participant_id else None
        )
        if author is None or author.study_id != study.id:
            return ()
        rnd = await get_round(session, study, number)
        rows = await session.scalars(
            select(Fragment)
            .where(Fragment.round_id == rnd.id, Fragment.author_id == author.id)
            .where(current_fragments())
            .order_by(Fragment.created_at, Fragment.external_id)
        )
        return tuple([await FragmentView.of(session, r, author.pseudonym) for r in rows])


__all__ = [
    "Contributing",
    "FragmentDraftInput",
    "FragmentView",
    "Submission",
    "drop_draft",
    "edit_fragment",
    "my_fragments",
    "panellist_in_open_round",
    "same_content",
    "store_fragment",
    "submit_fragment",
    "withdraw_fragment",
]
