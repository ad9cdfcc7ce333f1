"""The public board's keyword search at volume: the clause that finds a query's words, and the plan it runs by.

A query's words become phrases of character bigrams (`minyi.messages.search.query_phrases`: "路灯不亮" →
"路灯 灯不 不亮"), matched against `messages.public_search_grams`, the bigrams of the masked public text
(migration 0016) — never the original text. A message matches when it holds every phrase: the substring match
of each word that the board's LIKE was, within one run of letters and digits.

- **SQLite**: the FTS5 table `messages_fts_public` finds each phrase, as the staff search does.
- **PostgreSQL**: the GIN index on `to_tsvector('simple', public_search_grams)` finds the messages holding every
  bigram of the query (a plain AND, which the index answers exactly: no row is rechecked); a phrase of several
  bigrams is then checked with LIKE on the bigram text, where it is a substring exactly when its bigrams stand
  next to each other (every bigram is a whole word of that text). A phrase query (`phraseto_tsquery`) would
  make PostgreSQL recheck each candidate by computing `to_tsvector` again: 0.2–0.5 ms a row on real messages.

Which way the rows are found is not left to the planner, which prices `to_tsvector` at a fraction of its cost
and would compute it row by row along the date index: the count, and a page of a word found at most COUNT_MAX
times, take the matches from the search index (`plan(..., walk=False)`); a page of a word found more often
walks the date index newest first (`walk=True`), testing each row cheaply — SQLite against the list of matches,
PostgreSQL with LIKE on the bigram text (about 20 µs a row) — and stops at the page's last row. On PostgreSQL
only the first WALK_PAGES pages walk (a deeper page would test too many rows of a rarer word) and the choice
is made with planner settings local to the statement (`plan`).
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from sqlalchemy import ColumnElement, Select, Subquery, and_, func, literal_column, select, text
from sqlalchemy.orm import Session

from minyi.messages.models import Message
from minyi.messages.search import query_phrases

WORDS_MAX = 5  # the first five words of a query are searched (docs/limits.md)
WALK_PAGES = 10  # PostgreSQL: deeper pages of a word found more than COUNT_MAX times are cut from its matches
# PostgreSQL planner settings for one statement: the matches from the search index (never a scan computing
# to_tsvector on every row; memory for an exact bitmap, so that no row is rechecked with it), or the walk along
# the date index (never a sort of every match).
_FROM_INDEX = {"enable_seqscan": "off", "work_mem": "64MB"}
_ALONG_DATES = {"enable_seqscan": "off", "enable_bitmapscan": "off"}


def phrases(q: str) -> list[str]:
    """The phrases every match must hold: those of the query's first WORDS_MAX words."""
    return [p for term in q.split()[:WORDS_MAX] for p in query_phrases(term)]


def postgres(session: Session) -> bool:
    """Whether the session's database is PostgreSQL (the search's two forms and the planner settings)."""
    return session.get_bind().dialect.name == "postgresql"


def keyword_clause(session: Session, found: list[str], *, walk: bool) -> ColumnElement[bool]:
    """Messages whose masked text holds every phrase of `found`: on SQLite through the search table (`walk`: as a
    test of each row along the date index), on PostgreSQL as a test of each row (`walk`; `index_matches` finds
    them through the index)."""
    if postgres(session):
        # Phrases hold letters, digits and single spaces only: nothing LIKE would read as a wildcard.
        return and_(*[Message.public_search_grams.like(f"%{p}%") for p in found])
    match = " AND ".join(f'"{p}"' for p in found)  # phrases hold letters, digits and spaces only
    matches = text("messages_fts_public MATCH :board_match").bindparams(board_match=match)
    hits: Select[Any] = select(literal_column("rowid")).select_from(text("messages_fts_public")).where(matches)
    # `id + 0` keeps SQLite from starting at the search table, so that it walks the date index instead.
    return (Message.id + literal_column("0") if walk else Message.id).in_(hits)


def index_matches(found: list[str]) -> Subquery:
    """PostgreSQL: the messages holding every phrase of `found`, found through the GIN index alone, with the
    columns the board filters and orders by. Every bigram and character of the query is one AND of the index,
    which it answers exactly; a phrase of several bigrams is checked with LIKE on the rows it returns. The
    OFFSET 0 keeps the planner from merging the subquery into the query around it, where it could choose another
    index of `messages` and compute to_tsvector on each of its rows."""
    simple: ColumnElement[Any] = literal_column("'simple'::regconfig")
    grams = Message.public_search_grams
    every_bigram = func.to_tsvector(simple, grams).op("@@")(func.plainto_tsquery(simple, " ".join(found)))
    phrases_in_order = [grams.like(f"%{p}%") for p in found if " " in p]
    columns = (Message.id, Message.created_at, Message.is_public, Message.domain, Message.appeal_kind)
    return select(*columns).where(every_bigram, *phrases_in_order).offset(0).subquery("matches")


def walks(session: Session, *, capped: bool, page: int) -> bool:
    """Whether a page of a keyword search walks the date index: only a word found more than COUNT_MAX times,
    on PostgreSQL only its first WALK_PAGES pages (a deep page of a rarer word would walk too far)."""
    return capped and (page <= WALK_PAGES or not postgres(session))


@contextmanager
def plan(session: Session, *, walk: bool) -> Iterator[None]:
    """Run the statements inside from the search index, or along the date index (`walk`); PostgreSQL only.

    The settings are local to the transaction (`set_config(…, true)`) and put back afterwards.
    """
    if not postgres(session):
        yield
        return
    settings = _ALONG_DATES if walk else _FROM_INDEX
    names = list(settings)
    before = session.execute(select(*[func.current_setting(n) for n in names])).one()
    _set(session, settings)
    yield  # after an error the transaction is rolled back, and the local settings with it
    _set(session, dict(zip(names, before, strict=True)))


def _set(session: Session, settings: dict[str, str]) -> None:
    session.execute(select(*[func.set_config(name, value, True) for name, value in settings.items()]))
