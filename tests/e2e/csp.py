"""Every page a test opens reports its Content-Security-Policy violations, and they fail it.

`watch(context)` listens for `securitypolicyviolation` events in every document of the
context (an init script runs before the page's own scripts, on every navigation) and hands
each to Python. Closing the context (every test does, in its `finally`) raises
`CspViolation` listing them, so a screen that breaks the page's policy fails its test.
"""

from __future__ import annotations

import functools
from collections.abc import Awaitable, Callable
from typing import Any

from playwright.async_api import BrowserContext

_BINDING = "__parleyCspViolation"
_LISTENER = f"""
document.addEventListener('securitypolicyviolation', (e) => {{
  window.{_BINDING}({{
    directive: e.effectiveDirective,
    blocked: e.blockedURI,
    source: e.sourceFile,
    line: e.lineNumber,
    sample: e.sample,
    page: location.href,
  }});
}});
"""


class CspViolation(AssertionError):
    pass


async def watch(context: BrowserContext) -> list[dict[str, Any]]:
    """Collect the context's CSP violations; closing it raises if there were any."""
    seen: list[dict[str, Any]] = []

    def report(_source: Any, violation: dict[str, Any]) -> None:
        seen.append(violation)

    await context.expose_binding(_BINDING, report)
    await context.add_init_script(_LISTENER)
    close: Callable[..., Awaitable[None]] = context.close

    @functools.wraps(close)
    async def close_and_check(*args: Any, **kwargs: Any) -> None:
        await close(*args, **kwargs)
        if seen:
            lines = "\n".join(
                f"  {v['directive']} blocked {v['blocked'] or '(inline)'} on {v['page']}"
                f" ({v['source']}:{v['line']}) {v['sample']!r}"
                for v in seen
            )
            raise CspViolation(f"{len(seen)} Content-Security-Policy violation(s):\n{lines}")

    context.close = close_and_check  # type: ignore[method-assign]
    return seen
