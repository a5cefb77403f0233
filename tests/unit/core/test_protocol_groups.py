"""The protocol pre-registers which groups are compared, whom participation is counted
against, and how few ratings are too few; old stored protocols read back unchanged."""

from __future__ import annotations

from pathlib import Path

import pytest

from symphonia.core.fragments import InvalidInput
from symphonia.core.protocol import (
    GroupBasis,
    OpinionGrouping,
    ParticipationBase,
    Protocol,
    protocol_from_dict,
    protocol_to_dict,
)
from symphonia.services.polis_import import POLIS_PROTOCOL
from symphonia.studyfiles import StudyFileError, load_study
from tests.unit.test_studyfiles import BASE, write_study


def test_a_protocol_stored_before_the_new_fields_reads_back_equal() -> None:
    stored = protocol_to_dict(Protocol())
    assert not {"group_basis", "participation_base", "min_item_ratings"} & set(stored)
    assert protocol_to_dict(protocol_from_dict(stored)) == stored


def test_the_polis_protocol_round_trips_with_its_choices() -> None:
    stored = protocol_to_dict(POLIS_PROTOCOL)
    assert stored["group_basis"] == "opinion"
    assert stored["participation_base"] == "shown"
    assert stored["min_item_ratings"] == 10
    assert protocol_from_dict(stored) == POLIS_PROTOCOL
    custom = Protocol(opinion_grouping=OpinionGrouping(min_ratings=5, max_groups=3, seed=9))
    assert protocol_from_dict(protocol_to_dict(custom)) == custom


def test_nonsense_values_are_refused() -> None:
    with pytest.raises(InvalidInput, match="min_item_ratings"):
        Protocol(min_item_ratings=0)
    with pytest.raises(InvalidInput, match="max_groups"):
        Protocol(opinion_grouping=OpinionGrouping(max_groups=1))


def test_a_study_file_can_pre_register_opinion_groups(tmp_path: Path) -> None:
    text = BASE.replace(
        "agreement_threshold = 0.7",
        'agreement_threshold = 0.7\nmin_item_ratings = 5\nparticipation_base = "shown"\n'
        'group_basis = "opinion"\n[protocol.opinion_grouping]\nmin_ratings = 4',
    )
    study = load_study(write_study(tmp_path, text))
    assert study.protocol.group_basis is GroupBasis.OPINION
    assert study.protocol.participation_base is ParticipationBase.SHOWN
    assert study.protocol.min_item_ratings == 5
    assert study.protocol.opinion_grouping == OpinionGrouping(min_ratings=4)


def test_a_study_file_with_an_unknown_group_basis_is_refused(tmp_path: Path) -> None:
    text = BASE.replace("agreement_threshold = 0.7", 'agreement_threshold = 0.7\ngroup_basis = "x"')
    with pytest.raises(StudyFileError) as info:
        load_study(write_study(tmp_path, text))
    assert (
        "protocol.group_basis",
        "unknown group basis 'x'; expected stakeholder or opinion",
    ) in [(p.field, p.reason) for p in info.value.problems]


@pytest.mark.parametrize("seed", [-1, 2**32, 10**30])
def test_a_seed_k_means_cannot_take_is_refused_in_the_study_file(tmp_path: Path, seed: int) -> None:
    """Caught when the file is loaded, not when an analysis fails on it much later."""
    text = BASE.replace(
        "agreement_threshold = 0.7",
        f"agreement_threshold = 0.7\n[protocol.opinion_grouping]\nseed = {seed}",
    )
    with pytest.raises(StudyFileError) as info:
        load_study(write_study(tmp_path, text))
    assert ("protocol.opinion_grouping.seed", "must be from 0 to 4294967295") in [
        (p.field, p.reason) for p in info.value.problems
    ]
