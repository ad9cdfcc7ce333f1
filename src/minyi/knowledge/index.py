"""The knowledge base's inverted index in SQL: the published entries' terms (`minyi.nlp.knowledge`), ranked by BM25.

A query reads the document frequencies of its terms (one primary-key lookup each), then the postings of at most
`max_terms` of the rarer ones (the primary key `(term, entry_id)` serves each), and ranks them in Python: no scan
of the entries, whatever their number. Writing an entry rewrites its postings in the same transaction.
"""

from __future__ import annotations

from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from minyi.knowledge.models import PUBLISHED, KnowledgeEntry, KnowledgeTerm, KnowledgeTermCount
from minyi.nlp.knowledge import entry_length, entry_terms, plan_query, rank, terms

QUERY_TERMS_MAX = 400  # distinct terms of a query looked up (a long message: its first ones)


def unindex_entry(session: Session, entry: KnowledgeEntry) -> None:
    """Remove an entry's postings (a retired or draft entry is not searched)."""
    held = list(session.scalars(select(KnowledgeTerm.term).where(KnowledgeTerm.entry_id == entry.id)))
    if not held:
        return
    session.execute(delete(KnowledgeTerm).where(KnowledgeTerm.entry_id == entry.id))
    for start in range(0, len(held), 400):
        chunk = held[start : start + 400]
        session.execute(
            update(KnowledgeTermCount)
            .where(KnowledgeTermCount.term.in_(chunk))
            .values(entries=KnowledgeTermCount.entries - 1)
        )
    entry.term_length = 0.0


def index_entry(session: Session, entry: KnowledgeEntry) -> None:
    """(Re)write a published entry's postings and the document frequencies of its terms."""
    unindex_entry(session, entry)
    if entry.status != PUBLISHED:
        return
    weighted = {t[:16]: tf for t, tf in entry_terms(entry.question, entry.details, entry.answer).items()}
    entry.term_length = entry_length(weighted)
    session.add_all(
        KnowledgeTerm(term=t, entry_id=entry.id, tf=tf, length=entry.term_length) for t, tf in weighted.items()
    )
    chunks = [list(weighted)[s : s + 400] for s in range(0, len(weighted), 400)]
    for chunk in chunks:
        present = set(session.scalars(select(KnowledgeTermCount.term).where(KnowledgeTermCount.term.in_(chunk))))
        session.execute(
            update(KnowledgeTermCount)
            .where(KnowledgeTermCount.term.in_(present))
            .values(entries=KnowledgeTermCount.entries + 1)
        )
        _add_new_terms(session, [t for t in chunk if t not in present])
    session.flush()


def _add_new_terms(session: Session, new: list[str]) -> None:
    """Count terms no entry had: one insert, or — when a concurrent transaction inserted one of them first (a unique
    violation on PostgreSQL; SQLite writes one at a time) — term by term, each in a savepoint, counting up instead."""
    if not new:
        return
    try:
        with session.begin_nested():
            session.execute(insert(KnowledgeTermCount), [{"term": t, "entries": 1} for t in new])
    except IntegrityError:
        for term in new:
            try:
                with session.begin_nested():
                    session.execute(insert(KnowledgeTermCount), [{"term": term, "entries": 1}])
            except IntegrityError:
                session.execute(
                    update(KnowledgeTermCount)
                    .where(KnowledgeTermCount.term == term)
                    .values(entries=KnowledgeTermCount.entries + 1)
                )


def search_ids(session: Session, text: str, *, k: int = 5, exclude: tuple[int, ...] = ()) -> list[tuple[int, float]]:
    """(entry id, score) of the published entries that best answer `text`, best first."""
    query_terms = [t[:16] for t in list(terms(text))[:QUERY_TERMS_MAX]]
    if not query_terms:
        return []
    n, total = session.execute(
        select(func.count(), func.coalesce(func.sum(KnowledgeEntry.term_length), 0.0)).where(
            KnowledgeEntry.status == PUBLISHED
        )
    ).one()
    if not n:
        return []
    df = dict(
        session.execute(
            select(KnowledgeTermCount.term, KnowledgeTermCount.entries).where(
                KnowledgeTermCount.term.in_(query_terms), KnowledgeTermCount.entries > 0
            )
        )
        .tuples()
        .all()
    )
    plan = plan_query(text, df, int(n))
    if not plan.idf:
        return []
    postings = session.execute(
        select(KnowledgeTerm.term, KnowledgeTerm.entry_id, KnowledgeTerm.tf, KnowledgeTerm.length).where(
            KnowledgeTerm.term.in_(list(plan.idf))
        )
    ).tuples()
    return rank(plan, postings, float(total) / int(n), k=k, exclude=exclude)
