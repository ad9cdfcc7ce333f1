"""Staff keyword search in Chinese without a word segmenter: text stored as overlapping character bigrams.

A message's title, body and place become `search_grams`: every run of letters and digits (NFKC, lower case)
written as its overlapping bigrams in order ("燃气泄漏" → "燃气 气泄 泄漏"), then each distinct single
character once, so one-character queries find something too. A query term is the phrase of its bigrams,
which is the substring match of a LIKE '%…%' (within one run of letters and digits), but served by an index:
a GIN index on `to_tsvector('simple', search_grams)` on PostgreSQL (its default parser keeps each bigram as
one word, non-ASCII letters included) and an FTS5 table on SQLite (migration 0011). pg_trgm would not do:
trigrams cannot find a two-character word such as 燃气. The place the citizen typed gets its own column,
`place_grams`, for the place filter.

The public board searches `public_search_grams` the same way: the bigrams of `public_search_text`, the text as
the public pages show it (personal data masked), so that it can never find a message by what the public does not
see (migration 0016: its own FTS5 table `messages_fts_public` on SQLite, its own GIN index on PostgreSQL).
"""

from __future__ import annotations

import re
import unicodedata
from typing import Any

from minyi.nlp.display import public_search_text

_RUN = re.compile(r"[^\W_]+")  # letters and digits of any script; punctuation, spaces and "_" separate runs


def _runs(text: str) -> list[str]:
    return _RUN.findall(unicodedata.normalize("NFKC", text).lower())


def grams(text: str) -> str:
    """The stored form: the bigrams of every run in order, then each distinct character once."""
    bigrams: list[str] = []
    chars: dict[str, None] = {}
    for run in _runs(text):
        bigrams.extend(run[i : i + 2] for i in range(len(run) - 1))
        chars.update(dict.fromkeys(run))
    return " ".join([*bigrams, *chars])


def query_phrases(term: str) -> list[str]:
    """The phrases a query term must all match: each run as its bigrams ("燃气泄漏" → "燃气 气泄 泄漏"), a
    one-character run as itself. Empty when the term has no letter or digit."""
    return [" ".join(run[i : i + 2] for i in range(len(run) - 1)) if len(run) > 1 else run for run in _runs(term)]


def search_grams_of(title: str, body: str, place_text: str) -> str:
    """What staff keyword search matches: title, body and place."""
    return grams(f"{title}\n{body}\n{place_text}")


def search_grams_default(context: Any) -> str:
    """Column default: filled on every insert, ORM or Core executemany (the import), from the row's own values."""
    row = context.get_current_parameters()
    return search_grams_of(row.get("title") or "", row.get("body") or "", row.get("place_text") or "")


def place_grams_default(context: Any) -> str:
    """Column default for `place_grams`, from the row's `place_text`."""
    return grams(context.get_current_parameters().get("place_text") or "")


def public_search_grams_default(context: Any) -> str:
    """Column default for `public_search_grams`: the bigrams of the row's `public_search_text` (the masked title,
    body and place, one per line — the lines keep a term from matching across two fields), computed from the
    row's own values when the insert does not give that text."""
    row = context.get_current_parameters()
    masked = row.get("public_search_text") or public_search_text(
        row.get("title") or "", row.get("body") or "", row.get("place_text") or ""
    )
    return grams(masked)
