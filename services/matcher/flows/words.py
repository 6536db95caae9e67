"""The words a person starred from a call's chat, kept on their own history row of that session.

A word list lives where the person's conversations live: the history row is theirs alone, kept
as long as it is (`PARLEY_HISTORY_DAYS`), exported with it and erased with it when the account
goes. The gateway checks who may star what and when; the write re-checks what it can on the row
itself, so a late or repeated message cannot get around it: the row must exist, the session
must not have ended more than `STAR_AFTER_END` before the press, and a row holds at most
`MAX_WORDS`. A repeat of the same press (same `word_id`) is answered by its marker.
"""

from __future__ import annotations

from datetime import timedelta

from services.matcher.clock import iso
from services.matcher.context import Matcher, component_log
from services.matcher.tables.items import update_entry
from services.matcher.tables.session_items import history_key
from services.runtime.dynamo import TransactionConflict, values
from services.runtime.logs import metric
from services.wire.events.gateway import WordStarred

log = component_log("words")
MAX_WORDS = 50  # per person and session
STAR_AFTER_END = timedelta(minutes=10)


async def on_starred(m: Matcher, event: WordStarred) -> None:
    s = await m.store.session(event.session_id)
    if s is None or event.user_id not in s.user_ids:
        log.warning("word.ignored", session_id=event.session_id, why="not_a_participant")
        return
    word = {"wordId": event.word_id, "text": event.text, "savedAt": iso(event.occurred_at)}
    entry = update_entry(
        m.tables.history,
        history_key(event.user_id, s.starts_at, s.session_id),
        "SET words = list_append(if_not_exists(words, :none), :word)",
        "attribute_exists(userId) AND (attribute_not_exists(words) OR size(words) < :cap) "
        "AND (attribute_not_exists(endedAt) OR endedAt >= :since)",
        values(
            none=[],
            word=[word],
            cap=MAX_WORDS,
            since=iso(event.occurred_at - STAR_AFTER_END),
        ),
    )
    try:
        await m.commit(event.id, [entry])
    except TransactionConflict:
        # Full, too late, or the row is gone (erased): the gateway refuses these up front;
        # one slipping past it changes nothing.
        log.warning("word.refused", session_id=event.session_id, word_id=event.word_id)
        metric("WordsRefused", 1, session_id=event.session_id)
        return
    metric("WordsStarred", 1, session_id=event.session_id)
