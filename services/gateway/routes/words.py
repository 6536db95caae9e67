"""My word list: words and phrases starred from a call's chat, and the list of them.

Chat lines travel between the two browsers, never through Parley, so the browser sends the
text it starred. Only a participant may star, during the session or up to
`STAR_AFTER_END` after it ended; a session holds at most `MAX_WORDS` of mine. The matcher
keeps them on my own history row of the session, so they live, are exported and are erased
with my history. The same text starred twice in one session is one word.
"""

from __future__ import annotations

import base64
import re
from datetime import datetime, timedelta

from services.gateway.http.bodies import path_id
from services.gateway.http.problems import Problem, field_error
from services.gateway.http.spec import Call, Operation
from services.gateway.models import StarredWord, WordIn, Words, WordSaved, omitted
from services.gateway.people.views import iso, kept_words, parse_iso, participants, person_ref
from services.wire.events import derive_id
from services.wire.events.gateway import WordStarred

# The same figures the matcher's write enforces (services/matcher/flows/words.py).
MAX_WORDS = 50
STAR_AFTER_END = timedelta(minutes=10)
PAGE_LIMIT = 100
_SORT_KEY = re.compile(r"^[0-9A-Za-z:.+#_-]{1,160}$")


def _window_closes(session: dict[str, object]) -> datetime | None:
    """Until when words may be starred: `STAR_AFTER_END` after the session ended (its end,
    or for one still live, the latest it can end)."""
    ended = parse_iso(session.get("endedAt")) if session.get("status") == "ended" else None
    end = ended or parse_iso(session.get("endsAt"))
    return end + STAR_AFTER_END if end is not None else None


async def star_word(call: Call) -> WordSaved:
    body: WordIn = call.body
    session_id, uid = path_id(call.request, "session"), call.me.user_id
    session = await call.ctx.reads.session(session_id)
    if session is None or uid not in participants(session):
        raise Problem(404, "not-found", "no such session")
    closes = _window_closes(session)
    if closes is None or call.now >= closes:
        raise Problem(
            409, "word-window-closed", "words can be kept until 10 minutes after a conversation"
        )
    row = await call.ctx.reads.history_row(uid, f"{session.get('startsAt')}#{session_id}")
    kept = (row or {}).get("words")
    kept = kept if isinstance(kept, list) else []
    word_id = derive_id("word", session_id, uid, body.text.casefold())
    if word_id not in {w.get("wordId") for w in kept if isinstance(w, dict)}:
        if len(kept) >= MAX_WORDS:
            raise Problem(409, "word-list-full", f"a conversation keeps at most {MAX_WORDS} words")
        await call.ctx.publisher.publish(
            WordStarred(
                id=derive_id(WordStarred.TYPE, word_id),
                occurred_at=call.now,
                word_id=word_id,
                session_id=session_id,
                user_id=uid,
                text=body.text,
            )
        )
    return WordSaved(word_id=word_id, session_id=session_id, text=body.text, saved_at=iso(call.now))


class WordsPage(Words):
    next_cursor: str | None = omitted()


def _page(call: Call) -> tuple[int, tuple[str, int] | None]:
    q = call.request.query
    raw = q.get("limit", "50")
    if not raw.isdigit() or not 1 <= int(raw) <= PAGE_LIMIT:
        raise field_error("limit", f"must be a whole number from 1 to {PAGE_LIMIT}")
    cursor = q.get("cursor")
    if cursor is None:
        return int(raw), None
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode()
        key, _, skip = text.rpartition("|")
        position = (key, int(skip))
    except (ValueError, UnicodeDecodeError):
        position = ("", -1)
    # It only ever pages through my own rows, so any well-formed position is harmless.
    if not _SORT_KEY.match(position[0]) or not 0 <= position[1] <= 1_000:
        raise field_error("cursor", "not a cursor this route gave out")
    return int(raw), position


def _cursor(position: tuple[str, int]) -> str:
    return base64.urlsafe_b64encode(f"{position[0]}|{position[1]}".encode()).decode().rstrip("=")


async def my_words(call: Call) -> WordsPage:
    limit, after = _page(call)
    found, more = await call.ctx.reads.starred(call.me.user_id, limit, after)
    names = await call.ctx.reads.profiles(str(row.get("partnerId", "")) for row, _ in found)
    now = call.now.timestamp()
    words = []
    for row, word in found:
        expires = row.get("expiresAt")
        if isinstance(expires, int | float) and expires <= now:
            continue  # the history row has lapsed (the table's TTL deletes it late)
        for kept in kept_words({"words": [word]}):
            words.append(
                StarredWord(
                    **kept.model_dump(),
                    session_id=str(row.get("sessionId", "")),
                    partner=person_ref(str(row.get("partnerId", "")), names),
                )
            )
    return WordsPage(words=words, next_cursor=_cursor(more) if more else None)


OPERATIONS = (
    Operation(
        "POST",
        "/v1/sessions/{id}/words",
        "Keep a word or phrase from my conversation's chat",
        "words",
        "starWord",
        handler=star_word,
        body=WordIn,
        reply=WordSaved,
        status=202,
        rule="session",
        problems=((404, "not-found"), (409, "word-window-closed"), (409, "word-list-full")),
        description="`text`: one line, at most 200 characters (blanks are folded, invisible "
        "characters refused). During the conversation or up to 10 minutes after it; at most "
        f"{MAX_WORDS} per conversation; the same text again is the same word. Kept with my "
        "history of that conversation (listed by `GET /v1/me/words`, in the export, erased "
        "with my account).",
    ),
    Operation(
        "GET",
        "/v1/me/words",
        "The words I kept from my conversations, newest first, a page at a time",
        "words",
        "listWords",
        handler=my_words,
        reply=WordsPage,
        rule="read",
        description="`?limit=` (1-100, default 50) words per page; `nextCursor`, present when "
        "there may be more, goes back as `?cursor=` for the next page.",
        extra={
            "parameters": [
                {"name": "limit", "in": "query", "schema": {"type": "integer", "minimum": 1}},
                {"name": "cursor", "in": "query", "schema": {"type": "string"}},
            ]
        },
    ),
)
