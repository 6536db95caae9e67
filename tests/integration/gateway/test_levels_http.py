"""Levels (docs/api.md, "Levels"): a self-rated CEFR level per language learnt and the lowest
level of learners one welcomes, kept with the account, refused with stable codes when they
cannot be, read fine from profiles made before them, and carried on every Join."""

from __future__ import annotations

from typing import Any

from services.wire.names import Service
from tests.integration.gateway.conftest import Gateway, about, new_user

PATH = "/v1/me/preferences"


async def _prefs(gw: Gateway, me: str) -> dict[str, Any]:
    answer = await gw.call("GET", "/v1/me", me)
    assert answer.status == 200
    prefs: dict[str, Any] = answer.body["preferences"]
    return prefs


async def test_levels_and_welcomes_from_are_saved_shown_and_changed_any_time(
    gw: Gateway,
) -> None:
    me = new_user("ana")
    body = {
        "speaks": ["en"],
        "learns": ["es", "de"],
        "levels": {"es": "B1", "de": "A2"},
        "welcomesFrom": "B1",
    }
    saved = await gw.call("PUT", PATH, me, body=body)
    assert saved.status == 200
    assert (saved.body["levels"], saved.body["welcomesFrom"]) == ({"es": "B1", "de": "A2"}, "B1")
    prefs = await _prefs(gw, me)
    assert (prefs["levels"], prefs["welcomesFrom"]) == ({"es": "B1", "de": "A2"}, "B1")

    changed = body | {"levels": {"es": "C1", "de": "A2"}, "welcomesFrom": "A2"}
    assert (await gw.call("PUT", PATH, me, body=changed)).status == 200
    prefs = await _prefs(gw, me)
    assert (prefs["levels"], prefs["welcomesFrom"]) == ({"es": "C1", "de": "A2"}, "A2")


async def test_a_profile_from_before_levels_reads_with_none_and_welcomes_every_level(
    gw: Gateway,
) -> None:
    old, odd = new_user("old"), new_user("odd")
    await gw.put("gateway-profiles", {"userId": old, "name": "Old", "speaks": ["en"]} | _learns())
    # Whatever is kept that is not a level (a hand edit, a future value) reads as not said.
    await gw.put(
        "gateway-profiles",
        {"userId": odd, "name": "Odd", "speaks": ["en"], "welcomesFrom": 3}
        | _learns(levels={"es": "Z9", "fr": "B2"}),
    )
    for who in (old, odd):
        prefs = await _prefs(gw, who)
        assert (prefs["learns"], prefs["levels"], prefs["welcomesFrom"]) == (["es"], {}, "A1")
        joined = await gw.call("POST", "/v1/queue", who, body={})
        assert joined.status == 202
        (event,) = await gw.published(Service.MATCHER, about(who))
        assert (event["payload"]["levels"], event["payload"]["welcomesFrom"]) == ({}, "A1")


def _learns(levels: dict[str, str] | None = None) -> dict[str, Any]:
    return {"learns": ["es"]} | ({"levels": levels} if levels is not None else {})


async def test_a_level_for_a_language_not_learnt_is_refused_and_nothing_changes(
    gw: Gateway,
) -> None:
    me = new_user("ana")
    first = {"speaks": ["en"], "learns": ["es"], "levels": {"es": "A2"}}
    assert (await gw.call("PUT", PATH, me, body=first)).status == 200

    stray = {"speaks": ["en"], "learns": ["es"], "levels": {"es": "B1", "fr": "C1", "en": "C2"}}
    refused = await gw.call("PUT", PATH, me, body=stray)

    assert (refused.status, refused.code) == (400, "level-not-learnt")
    assert refused.headers["Content-Type"].startswith("application/problem+json")
    assert sorted(e["field"] for e in refused.body["errors"]) == ["levels.en", "levels.fr"]
    assert (await _prefs(gw, me))["levels"] == {"es": "A2"}


async def test_what_is_not_a_cefr_level_is_refused_as_validation_failed(gw: Gateway) -> None:
    me = new_user("ana")
    base = {"speaks": ["en"], "learns": ["es"]}
    for extra, field in (
        ({"levels": {"es": "B3"}}, "levels.es"),
        ({"levels": {"es": "b1"}}, "levels.es"),
        ({"levels": ["es", "B1"]}, "levels"),
        ({"welcomesFrom": "D1"}, "welcomesFrom"),
        ({"welcomes_from": "B1"}, "welcomes_from"),
    ):
        answer = await gw.call("PUT", PATH, me, body=base | extra)
        assert (answer.status, answer.code) == (400, "validation-failed"), extra
        assert field in [e["field"] for e in answer.body["errors"]], (extra, answer.body)
    assert (await _prefs(gw, me))["levels"] == {}


async def test_leaving_levels_out_keeps_them_and_a_language_dropped_drops_its_level(
    gw: Gateway,
) -> None:
    me = new_user("ana")
    full = {
        "speaks": ["en"],
        "learns": ["es", "de"],
        "levels": {"es": "B2", "de": "A1"},
        "welcomesFrom": "B2",
    }
    assert (await gw.call("PUT", PATH, me, body=full)).status == 200
    # A client that only sends languages (or only the screens' language) keeps both.
    languages_only = {"speaks": ["en"], "learns": ["de", "es"], "uiLanguage": "de"}
    kept = await gw.call("PUT", PATH, me, body=languages_only)
    assert (kept.body["levels"], kept.body["welcomesFrom"]) == ({"de": "A1", "es": "B2"}, "B2")

    dropped = await gw.call("PUT", PATH, me, body={"speaks": ["en"], "learns": ["es"]})
    assert dropped.body["levels"] == {"es": "B2"}
    # Learning it again later starts from "not said", not from the old level.
    again = await gw.call("PUT", PATH, me, body={"speaks": ["en"], "learns": ["es", "de"]})
    assert again.body["levels"] == {"es": "B2"}
    assert (await _prefs(gw, me))["welcomesFrom"] == "B2"


async def test_join_carries_my_levels_and_welcomes_from_on_ticket_requested(
    gw: Gateway,
) -> None:
    me = new_user("ana")
    body = {
        "speaks": ["en", "fr"],
        "learns": ["ja", "es"],
        "levels": {"ja": "A1", "es": "C1"},
        "welcomesFrom": "A2",
    }
    assert (await gw.call("PUT", PATH, me, body=body)).status == 200

    joined = await gw.call("POST", "/v1/queue", me, body={})

    assert joined.status == 202
    for service in (Service.LEDGER, Service.MATCHER):
        (event,) = await gw.published(service, about(me))
        assert event["type"] == "ticket.requested"
        assert event["payload"] == {
            "ticketId": joined.body["ticketId"],
            "userId": me,
            "speaks": ["en", "fr"],
            "learns": ["ja", "es"],
            "levels": {"ja": "A1", "es": "C1"},
            "welcomesFrom": "A2",
        }


async def test_my_levels_are_in_my_export(gw: Gateway) -> None:
    me = new_user("ana")
    body = {"speaks": ["en"], "learns": ["es"], "levels": {"es": "B1"}, "welcomesFrom": "C1"}
    assert (await gw.call("PUT", PATH, me, body=body)).status == 200
    export = await gw.call("GET", "/v1/me/export", me)
    assert export.status == 200
    (profile,) = export.body["tables"]["gateway-profiles"]
    assert (profile["levels"], profile["welcomesFrom"]) == ({"es": "B1"}, "C1")
