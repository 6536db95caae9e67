"""An independent referee for Parley's rules on points and time (docs/api.md, "Points and time:
the rules"). It shares no code with the services: `judge(facts)` takes raw facts (requests,
pushes, the media's room log, the clock, and the tables only to compare) and lists every
difference from what the rules say must have happened."""

from tests.referee.facts import Facts
from tests.referee.judge import SessionExpectation, Verdict, judge

__all__ = ["Facts", "SessionExpectation", "Verdict", "judge"]
