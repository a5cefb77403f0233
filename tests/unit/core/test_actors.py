"""Who may do what: `require` agrees with ROLE_PERMISSIONS for every role and permission, and
a study the actor holds no role in is invisible (NotFound, never PermissionDenied)."""

from __future__ import annotations

import uuid

import pytest
from hypothesis import given
from hypothesis import strategies as st

from symphonia.core.actors import (
    ROLE_PERMISSIONS,
    STAFF_ROLES,
    Actor,
    ActorKind,
    Permission,
    StudyRole,
)
from symphonia.services.errors import NotFound, PermissionDenied
from symphonia.services.permissions import require

roles = st.sampled_from(list(StudyRole))
permissions = st.sampled_from(list(Permission))
study_ids = st.uuids()
role_maps = st.dictionaries(study_ids, st.frozensets(roles, min_size=1), max_size=4)


def account(role_map: dict[uuid.UUID, frozenset[StudyRole]]) -> Actor:
    return Actor(ActorKind.ACCOUNT, uuid.uuid4(), "account:a@example.org", role_map)


@given(role=roles, permission=permissions, study=study_ids)
def test_require_agrees_with_the_table_for_every_role_and_permission(
    role: StudyRole, permission: Permission, study: uuid.UUID
) -> None:
    actor = account({study: frozenset({role})})
    allowed = permission in ROLE_PERMISSIONS[role]
    assert actor.can(study, permission) is allowed
    if allowed:
        require(actor, study, permission, "s")
    else:
        with pytest.raises(PermissionDenied) as refused:
            require(actor, study, permission, "s")
        assert refused.value.code == "permission_denied"


@given(role_map=role_maps, permission=permissions, study=study_ids)
def test_no_role_in_a_study_means_the_study_does_not_exist(
    role_map: dict[uuid.UUID, frozenset[StudyRole]], permission: Permission, study: uuid.UUID
) -> None:
    role_map.pop(study, None)
    actor = account(role_map)
    assert not actor.sees(study)
    with pytest.raises(NotFound) as refused:
        require(actor, study, permission, "secret-study")
    assert not isinstance(refused.value, PermissionDenied)
    assert str(refused.value) == "unknown study 'secret-study'"


@given(role_map=role_maps, permission=permissions, study=study_ids)
def test_several_roles_allow_what_any_of_them_allows(
    role_map: dict[uuid.UUID, frozenset[StudyRole]], permission: Permission, study: uuid.UUID
) -> None:
    actor = account(role_map)
    held = role_map.get(study, frozenset())
    assert actor.can(study, permission) is any(permission in ROLE_PERMISSIONS[r] for r in held)


@given(permission=permissions, study=study_ids)
def test_the_operator_and_the_system_may_do_anything_anywhere(
    permission: Permission, study: uuid.UUID
) -> None:
    for actor in (Actor.operator(), Actor.system("worker")):
        assert actor.unrestricted
        require(actor, study, permission, "s")


def test_the_table_orders_the_roles() -> None:
    facilitator, editor, expert, reader = (ROLE_PERMISSIONS[r] for r in StudyRole)
    assert facilitator == frozenset(Permission)
    assert reader < editor < facilitator
    assert reader < expert
    assert Permission.CONTRIBUTE in expert
    assert Permission.CONTRIBUTE not in editor
    assert Permission.VIEW_DRAFTS not in expert | reader  # drafts are for staff
    assert Permission.PUBLISH not in editor  # a second person publishes
    assert StudyRole.EXPERT not in STAFF_ROLES


def test_actors_are_frozen_and_say_who_they_are() -> None:
    study = uuid.uuid4()
    actor = account({study: frozenset({StudyRole.READER}), uuid.uuid4(): frozenset()})
    assert list(actor.roles) == [study]  # a study with no roles is no role
    assert actor.account_id == actor.id
    assert actor.participant_id is None
    with pytest.raises(TypeError):
        actor.roles[study] = frozenset({StudyRole.FACILITATOR})  # type: ignore[index]
    promoted = actor.with_role(study, StudyRole.EDITOR)
    assert promoted.roles_in(study) == {StudyRole.READER, StudyRole.EDITOR}
    assert actor.roles_in(study) == {StudyRole.READER}
    with pytest.raises(ValueError, match="needs an id"):
        Actor(ActorKind.ACCOUNT, None, "account:?")
    with pytest.raises(ValueError, match="has an id"):
        Actor(ActorKind.OPERATOR, uuid.uuid4(), "cli")
