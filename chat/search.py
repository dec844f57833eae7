"""Message search: PostgreSQL full-text search, a plain LIKE on SQLite (the embedded default).

PostgreSQL: `chat_message.search_vector` is a stored generated tsvector with a GIN index
(migration 0004). A query is parsed with `websearch_to_tsquery` (quotes, `or`, `-word`, as
people type into search boxes), ranked with `ts_rank_cd`, and only the page's rows get a
`ts_headline` (it re-reads each body, so it is never computed for rows not shown).

Results come only from conversations the caller is a current member of, never from
deleted messages. `highlight` is the matching passage, HTML-escaped, with each hit wrapped
in <mark>...</mark>.
"""

import html
import re
from dataclasses import dataclass

from django.db import connection

from accounts.models import User
from chat.models import Membership, Message

# Must match the configuration of the generated column (chat/migrations/0004).
SEARCH_CONFIG = "english"
# Sentinels ts_headline puts around hits; bodies cannot contain them (they are stripped
# from the headline input), so escaping the rest and swapping these in is safe.
START, STOP = "\x02", "\x03"
HEADLINE_OPTIONS = f"StartSel={START}, StopSel={STOP}, MaxWords=24, MinWords=8, MaxFragments=2"
SQLITE_EXCERPT = 120


@dataclass(frozen=True)
class SearchHit:
    message: Message
    highlight: str


def marked_html(headline: str) -> str:
    """Escape the passage and turn the sentinels into <mark> tags."""
    return html.escape(headline).replace(START, "<mark>").replace(STOP, "</mark>")


def search_messages(
    *, user: User, query: str, conversation_id: int | None, offset: int, limit: int
) -> tuple[list[SearchHit], bool]:
    """Up to `limit` hits, best first, and whether more follow (`offset` for paging)."""
    if connection.vendor == "postgresql":
        rows = _postgres_hits(
            user=user, query=query, conversation_id=conversation_id, offset=offset, limit=limit
        )
    else:
        rows = _like_hits(
            user=user, query=query, conversation_id=conversation_id, offset=offset, limit=limit
        )
    more = len(rows) > limit
    rows = rows[:limit]
    messages = Message.objects.select_related("author", "conversation").in_bulk(
        [message_id for message_id, _ in rows]
    )
    hits = [
        SearchHit(message=messages[message_id], highlight=highlight)
        for message_id, highlight in rows
        if message_id in messages
    ]
    return hits, more


def _postgres_hits(
    *, user: User, query: str, conversation_id: int | None, offset: int, limit: int
) -> list[tuple[int, str]]:
    quote = connection.ops.quote_name
    messages = quote(Message._meta.db_table)
    memberships = quote(Membership._meta.db_table)
    in_conversation = "AND m.conversation_id = %s" if conversation_id is not None else ""
    # Only quoted table names and fixed fragments are interpolated; values are parameters.
    sql = f"""
        WITH q AS (SELECT websearch_to_tsquery(%s::regconfig, %s) AS query),
        page AS (
            SELECT m.id, m.body, ts_rank_cd(m.search_vector, q.query) AS rank
            FROM {messages} m
            JOIN {memberships} mb ON mb.conversation_id = m.conversation_id
                AND mb.user_id = %s AND mb.left_at IS NULL
            CROSS JOIN q
            WHERE m.search_vector @@ q.query AND m.deleted_at IS NULL {in_conversation}
            ORDER BY rank DESC, m.id DESC
            LIMIT %s OFFSET %s
        )
        SELECT page.id, ts_headline(%s::regconfig,
            translate(page.body, %s, ''), q.query, %s)
        FROM page CROSS JOIN q
        ORDER BY page.rank DESC, page.id DESC
    """  # noqa: S608
    params: list = [SEARCH_CONFIG, query, user.pk]
    if conversation_id is not None:
        params.append(conversation_id)
    params += [limit + 1, offset, SEARCH_CONFIG, START + STOP, HEADLINE_OPTIONS]
    with connection.cursor() as cursor:
        cursor.execute(sql, params)
        return [(message_id, marked_html(headline)) for message_id, headline in cursor.fetchall()]


def _like_hits(
    *, user: User, query: str, conversation_id: int | None, offset: int, limit: int
) -> list[tuple[int, str]]:
    messages = Message.objects.filter(
        body__icontains=query,
        deleted_at__isnull=True,
        conversation__memberships__user=user,
        conversation__memberships__left_at__isnull=True,
    )
    if conversation_id is not None:
        messages = messages.filter(conversation_id=conversation_id)
    rows = messages.order_by("-id").values_list("id", "body")[offset : offset + limit + 1]
    return [(message_id, _like_highlight(body, query)) for message_id, body in rows]


def _like_highlight(body: str, query: str) -> str:
    """The words around the first hit, escaped, every hit marked (case-insensitive)."""
    body = body.replace(START, "").replace(STOP, "")
    found = body.lower().find(query.lower())
    start = max(0, found - SQLITE_EXCERPT // 2)
    passage = body[start : start + SQLITE_EXCERPT + len(query)]
    marked = re.sub(re.escape(query), lambda hit: START + hit.group(0) + STOP, passage, flags=re.I)
    return ("…" if start else "") + marked_html(marked)
