"""The typed contract the SPA compiles against, generated from the code that serves it:

- `frontend/src/api/generated/openapi.json`: the OpenAPI document the gateway serves at
  `/v1/openapi.json` (built from its routes and pydantic models);
- `frontend/src/api/generated/pushes.schema.json`: JSON Schema of every pushed WebSocket
  message (`services/wire/pushes.py`).

`frontend/scripts/gen-types.mjs` turns both into TypeScript next to them. `make contract` runs
the two steps; `tests/unit/wire/test_contract_fresh.py` fails when a JSON document is stale, and
the SPA's own test when the TypeScript is.

`python -m tests.contract --write` writes the JSON documents.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
GENERATED = ROOT / "frontend" / "src" / "api" / "generated"


def documents() -> dict[str, Any]:
    from services.gateway.api import OPERATIONS
    from services.gateway.http.openapi import document
    from services.wire.pushes import push_schema

    return {"openapi.json": document(OPERATIONS), "pushes.schema.json": push_schema()}


def render(doc: Any) -> str:
    return json.dumps(doc, indent=2, sort_keys=True, ensure_ascii=False) + "\n"


if __name__ == "__main__":
    if sys.argv[1:] != ["--write"]:
        sys.exit("usage: python -m tests.contract --write")
    GENERATED.mkdir(parents=True, exist_ok=True)
    for name, doc in documents().items():
        (GENERATED / name).write_text(render(doc))
        print(f"wrote {(GENERATED / name).relative_to(ROOT)}")
