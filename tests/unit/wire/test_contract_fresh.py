"""The SPA compiles against generated types; these are generated from JSON documents that the
server's own models produce. A pydantic model changed without `make contract` fails here (and a
stale TypeScript file fails the SPA's `npm test`, which runs `gen-types.mjs --check`)."""

from __future__ import annotations

import pytest

from tests import contract


@pytest.mark.parametrize("name", sorted(contract.documents()))
def test_the_committed_contract_document_is_what_the_models_produce_now(name: str) -> None:
    committed = (contract.GENERATED / name).read_text()
    assert committed == contract.render(contract.documents()[name]), (
        f"frontend/src/api/generated/{name} is stale: run `make contract`"
    )
