"""What a profile's levels mean, read from whatever is kept (docs/api.md, "Levels")."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.gateway.models import PreferencesIn
from services.gateway.people.views import levels, levels_for, preferences, welcomes_from


def test_levels_follow_learns_in_its_order_and_drop_the_rest() -> None:
    stored = {"de": "A2", "es": "B1", "fr": "C1"}
    assert list(levels_for(["es", "de"], stored).items()) == [("es", "B1"), ("de", "A2")]
    assert levels({"learns": ["ja"], "levels": stored}) == {}


@pytest.mark.parametrize("stored", [None, "B1", ["es"], {"es": "b1"}, {"es": "Z9"}, {"es": 3}])
def test_whatever_is_kept_that_is_not_a_level_reads_as_not_said(stored: object) -> None:
    assert levels({"learns": ["es"], "levels": stored}) == {}


@pytest.mark.parametrize("stored", [None, "", "a2", "D1", 2])
def test_welcomes_from_is_a1_until_a_level_is_said(stored: object) -> None:
    assert welcomes_from({"welcomesFrom": stored}) == "A1"
    assert welcomes_from(None) == "A1"
    assert welcomes_from({"welcomesFrom": "C1"}) == "C1"


def test_a_profile_from_before_levels_reads_as_none_said_and_everyone_welcome() -> None:
    prefs = preferences({"speaks": ["en"], "learns": ["es"]})
    assert prefs.model_dump(mode="json")["levels"] == {}
    assert prefs.model_dump(mode="json")["welcomesFrom"] == "A1"


def test_preferences_in_take_cefr_levels_only_and_leave_them_out_as_none() -> None:
    body = PreferencesIn.model_validate(
        {"speaks": ["en"], "learns": ["es"], "levels": {"es": "C2"}, "welcomesFrom": "B2"}
    )
    assert (body.levels, body.welcomes_from) == ({"es": "C2"}, "B2")
    plain = PreferencesIn.model_validate({"speaks": ["en"], "learns": ["es"]})
    assert (plain.levels, plain.welcomes_from) == (None, None)
    for bad in ({"levels": {"es": "B3"}}, {"levels": {"Spanish": "B1"}}, {"welcomesFrom": "A0"}):
        with pytest.raises(ValidationError):
            PreferencesIn.model_validate({"speaks": ["en"], "learns": ["es"]} | bad)
    nine = ["en", "es", "de", "fr", "it", "pt", "ru", "ar", "ja"]
    with pytest.raises(ValidationError, match="at most 8"):
        PreferencesIn.model_validate(
            {"speaks": [], "learns": [], "levels": dict.fromkeys(nine, "A1")}
        )
