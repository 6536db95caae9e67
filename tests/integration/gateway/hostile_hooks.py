"""Checks the hostile-input run adds to schemathesis's own (loaded by its CLI from this file).

`PARLEY_FOREIGN_IDS`: session and invite ids that belong to someone else than the caller;
`PARLEY_FOREIGN_SECRETS`: strings of that other person's that must never appear in an answer.
"""

from __future__ import annotations

import os
from typing import Any

import schemathesis

_FOREIGN_IDS = {v for v in os.environ.get("PARLEY_FOREIGN_IDS", "").split(",") if v}
_SECRETS = {v for v in os.environ.get("PARLEY_FOREIGN_SECRETS", "").split(",") if v}


@schemathesis.check
def not_someone_elses_object(ctx: Any, response: Any, case: Any) -> None:
    """Another person's session or invite id never gets a success."""
    used = str((case.path_parameters or {}).get("id", ""))
    if used in _FOREIGN_IDS and response.status_code < 400:
        status = response.status_code
        raise AssertionError(f"{case.method} {case.path} with a foreign id answered {status}")


@schemathesis.check
def not_someone_elses_data(ctx: Any, response: Any, case: Any) -> None:
    """Nothing of the other person's ever appears in an answer."""
    text = response.text or ""
    leaked = sorted(s for s in _SECRETS if s in text)
    if leaked:
        raise AssertionError(f"{case.method} {case.path} answered with {leaked}")
