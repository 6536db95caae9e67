"""The notifier's pushes follow the wire's push models (`services/wire/pushes.py`), the same
models the SPA's types are generated from: a field the notifier adds, renames or drops that
the models do not know fails here, and then in the SPA's type check after `make contract`."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from services.notifier.messages import NOTIFYING_TYPES, pushes_for
from services.wire import pushes
from tests.unit.notifier.test_messages import CONTRACT, ONE_OF_EACH


@pytest.mark.parametrize("event", ONE_OF_EACH, ids=lambda e: type(e).TYPE)
def test_every_push_the_notifier_makes_matches_its_wire_model(event: object) -> None:
    for push in pushes_for(event):  # type: ignore[arg-type]
        model = pushes.check(push.body)
        assert model.model_dump(by_alias=True, exclude_none=True) == push.body


def test_the_models_cover_every_pushed_type_and_the_edges_own_messages() -> None:
    edge = {"pong", "auth.expired", "account.deleted", "account.banned"}
    told = {p.body["type"] for e in ONE_OF_EACH for p in pushes_for(e)}  # type: ignore[arg-type]
    assert {type(e).TYPE for e in ONE_OF_EACH} == NOTIFYING_TYPES  # one of each event
    assert told | edge == pushes.PUSH_TYPES


@pytest.mark.parametrize("kind", sorted(CONTRACT))
def test_the_models_carry_the_fields_docs_api_lists(kind: str) -> None:
    required, optional = CONTRACT[kind]
    model = next(m for m in pushes.PUSHES if m.model_fields["type"].annotation.__args__[0] == kind)  # type: ignore[union-attr]
    fields = {f.alias or name: f for name, f in model.model_fields.items()}
    fields.pop("type"), fields.pop("occurredAt")
    assert {n for n, f in fields.items() if f.is_required()} == required
    assert {n for n, f in fields.items() if not f.is_required()} == optional


@pytest.mark.parametrize(
    "body",
    [
        {"type": "session.ended", "sessionId": "s1", "reason": "time_up",
         "startedAt": "x", "endedAt": "y", "minutesUsed": -1},
        {"type": "ticket.cancelled", "ticketId": "t1", "secret": "nope"},
        {"type": "no.such.type"},
        {"type": "invite.received", "inviteId": "i1", "expiresAt": "x"},
    ],
)  # fmt: skip
def test_a_body_outside_the_contract_is_refused(body: dict[str, object]) -> None:
    with pytest.raises(ValidationError):
        pushes.check(body)


def test_the_schema_offers_one_alternative_per_type() -> None:
    schema = pushes.push_schema()
    assert len(schema["oneOf"]) == len(pushes.PUSHES)
    assert set(schema["discriminator"]["mapping"]) == pushes.PUSH_TYPES
