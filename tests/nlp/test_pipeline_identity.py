"""The analyzer's fast paths give exactly what the straightforward code gives (docs/nlp.md, "Speed").

Each rewritten step is checked against the plain version it replaced, bit for bit: on varied made-up inputs
everywhere, and on every shared message where ../shared/data is present (skipped where absent, a failure where
CI=true).
"""

from __future__ import annotations

import json
import random
import re
from pathlib import Path

import numpy as np
import pytest

from minyi.nlp import _gbk
from minyi.nlp._routing_cues import _WORD_LIST, family_cues, title_and_body_cues
from minyi.nlp.appeal import rule_scores
from minyi.nlp.departments import route_many, route_scores
from minyi.nlp.features import _bigram_keys, _char_keys_split
from minyi.nlp.pipeline import clean_message, load_default_analyzer
from minyi.nlp.text import split_text

FILES = ("messages_labeled", "messages_unlabeled", "messages_with_votes", "messages_with_replies")
FILLER = "小区门口的路灯坏了，请尽快维修。我们多次反映无果！市住建局和街道办都说不归他们管\n 某某公司 A市B2区 教育局"


def _made_up_texts(n: int, seed: int = 0) -> list[str]:
    """Titles and bodies mixing routing words, named bodies, filler, line breaks and odd characters."""
    rng = random.Random(seed)
    words = [*_WORD_LIST, "派出所", "市园林管理局", "自来水公司", "人民法院", "锟斤拷", "ab", "\n", "", " "]
    out = []
    for _ in range(n):
        title = "".join(rng.choice(words + list(FILLER)) for _ in range(rng.randint(0, 6))).replace("\n", "")
        body = "".join(rng.choice(words + list(FILLER)) for _ in range(rng.randint(0, 60)))
        out.append(f"{title}\n{body}" if rng.random() < 0.9 else title + body)
    return out


def _shared_texts(shared_data_dir: Path) -> list[str]:
    texts = []
    for stem in FILES:
        with open(shared_data_dir / "teddycup2020" / f"{stem}.jsonl", encoding="utf-8") as handle:
            for line in handle:
                row = json.loads(line)
                texts.append(clean_message(row["title"], row["body"])[0].joined)
    return [t for t in texts if t.strip()]


# -- appeal kind: per-class sums ----------------------------------------------------------------------------
def _appeal_reference(texts: list[str]) -> np.ndarray:
    """AppealKindClassifier.decision_function as it was written before: one gather and np.add.reduceat."""
    model = load_default_analyzer().appeal_
    row, column, value, cues = model.features_.encode(texts)
    scores = cues @ model.cue_coef_ + model.intercept_
    if len(texts) == 1:
        scores[0] += value @ model.ngram_coef_[column]
    elif row.size:
        contributions = model.ngram_coef_[column] * value[:, None]
        starts = np.flatnonzero(np.concatenate([[True], row[1:] != row[:-1]]))
        scores[row[starts]] += np.add.reduceat(contributions, starts, axis=0)
    hits = rule_scores(texts)
    classes = list(model.classes_)
    for j, (kind, bias) in enumerate((("help", model.rule_bias), ("misconception", model.claim_bias))):
        if kind in classes and bias:
            scores[:, classes.index(kind)] += bias * hits[:, j]
    return scores


def _check_appeal(texts: list[str]) -> None:
    model = load_default_analyzer().appeal_
    for size in (1, 2, 7, 512):
        for start in range(0, min(len(texts), 3 * size), size):
            batch = texts[start : start + size]
            np.testing.assert_array_equal(model.decision_function(batch), _appeal_reference(batch))


def test_appeal_scores_equal_the_reduceat_sums() -> None:
    _check_appeal(_made_up_texts(600))


# -- department routing ---------------------------------------------------------------------------------------
def _check_routing(texts: list[str], seed: int = 0) -> None:
    rng = np.random.default_rng(seed)
    analyzer = load_default_analyzer()
    domains = [str(c) for c in analyzer.domain_.classes_] + ["不在路由表里的领域"]
    proba = np.round(rng.dirichlet(np.ones(len(domains)), size=len(texts)), 4)
    proba[: len(texts) // 4] = 0.0  # no domain likely: routing words and names alone decide
    classes = [str(c) for c in analyzer.departments_.classes_]
    learned = rng.dirichlet(np.ones(len(classes)), size=len(texts))
    learned[::3] = 0.0
    for k in (1, 5):
        slow = route_many(
            texts,
            domain_scores=[dict(zip(domains, row, strict=True)) for row in proba.tolist()],
            learned=learned,
            classes=classes,
            k=k,
        )
        fast = route_scores(texts, domain_proba=proba, domain_classes=domains, learned=learned, classes=classes, k=k)
        assert fast == [[(f["family"], f["score"]) for f in ranked] for ranked in slow]
    assert route_scores([], domain_proba=np.zeros((0, 0)), domain_classes=[]) == []
    no_domains = route_scores(texts[:5], domain_proba=np.zeros((5, 0)), domain_classes=[])
    assert no_domains == [[(f["family"], f["score"]) for f in r] for r in route_many(texts[:5], domain_scores=[{}] * 5)]


def _check_cues(texts: list[str]) -> None:
    for text in texts:
        title, body = split_text(text)
        assert title_and_body_cues(title, body) == (family_cues(title), family_cues(body))
        assert title_and_body_cues(title, body[:200]) == (family_cues(title), family_cues(body[:200]))


def test_routing_words_in_one_pass_are_those_of_title_and_body_apart() -> None:
    assert not any("\n" in word for word in _WORD_LIST)  # what makes one pass over title + "\n" + body exact
    _check_cues(_made_up_texts(2000, seed=1))
    # a word split by the line break is found in neither part
    word = next(w for w in _WORD_LIST if len(w) >= 2)
    assert title_and_body_cues(word[:1], word[1:]) == (family_cues(word[:1]), family_cues(word[1:]))


def test_route_scores_are_route_many_without_the_cue_words() -> None:
    _check_routing(_made_up_texts(700, seed=2))


# -- GBK repair: the odd-character scan ------------------------------------------------------------------------
def _odd_reference() -> re.Pattern[str]:
    """The pattern as it was: the suspicious characters, then the two glued kinds, as an alternation."""
    return re.compile("|".join((_gbk.char_class(_gbk.suspicious_chars()), _gbk._GLUED_ASCII, _gbk._GLUED_LIST_SIGN)))


def _check_odd(texts: list[str], rng: random.Random) -> None:
    fast, slow = _gbk._odd_pattern(), _odd_reference()
    for text in texts:
        start = rng.randint(0, len(text) + 1)
        end = rng.randint(start, len(text) + 2)
        for args in ((), (start,), (start, end)):
            assert [m.span() for m in fast.finditer(text, *args)] == [m.span() for m in slow.finditer(text, *args)]


def test_odd_character_scan_matches_the_alternation() -> None:
    rng = random.Random(4)
    odd = sorted(_gbk.suspicious_chars())
    pool = [
        *"的是我们小区，。、！abcxyzA1 \n`@[]^_{|}~-",
        *(chr(c) for c in range(0x2160, 0x216C)),
        "\u2488",  # a digit full stop: both a suspicious character and a list sign
        "\u3225",
        "\u249c",  # just outside the list signs
        "\u215f",
        *rng.sample(odd, 60),
    ]
    texts = ["".join(rng.choice(pool) for _ in range(rng.randint(0, 40))) for _ in range(20_000)]
    _check_odd(texts, rng)


# -- shared features: char n-gram keys -------------------------------------------------------------------------
def _char_keys_reference(texts: list[str], max_chars: int, orders: tuple[int, ...]) -> tuple[np.ndarray, ...]:
    """features._char_keys_split as it was: the next code points as padded copies, not views."""
    parts = [t[:max_chars].replace("\x00", " ") for t in texts]
    lengths = np.fromiter((len(p) + 1 for p in parts), dtype=np.int64, count=len(parts))
    raw = "\x00".join(parts).encode("utf-32-le", "surrogatepass") + bytes(8)
    codes = np.frombuffer(raw, dtype=np.uint32).astype(np.uint64)
    doc = np.repeat(np.arange(len(parts)), lengths)
    doc = np.concatenate([doc, np.zeros(codes.size - doc.size, np.int64)])
    nxt1 = np.concatenate([codes[1:], np.zeros(1, np.uint64)])
    nxt2 = np.concatenate([codes[2:], np.zeros(2, np.uint64)])
    valid1 = codes != 0
    valid2 = valid1 & (nxt1 != 0)
    keys, docs = [np.zeros(0, np.uint64)], [np.zeros(0, np.int64)]
    uni_docs, uni_codes = (doc[valid1], codes[valid1]) if 1 in orders else (docs[0], keys[0])
    if 2 in orders:
        keys.append(_bigram_keys(codes[valid2], nxt1[valid2]))
        docs.append(doc[valid2])
    if 3 in orders:
        valid3 = valid2 & (nxt2 != 0)
        keys.append(codes[valid3] | (nxt1[valid3] << np.uint64(21)) | (nxt2[valid3] << np.uint64(42)))
        docs.append(doc[valid3])
    return uni_docs, uni_codes, np.concatenate(docs), np.concatenate(keys)


def _check_char_keys(batches: list[list[str]]) -> None:
    for texts in batches:
        for orders in ((1, 2, 3), (1, 2), (2, 3), (1,), (3,)):
            for limit in (300, 2):
                got, want = _char_keys_split(texts, limit, orders), _char_keys_reference(texts, limit, orders)
                for a, b in zip(got, want, strict=True):
                    assert a.dtype == b.dtype
                    np.testing.assert_array_equal(a, b)


def test_char_keys_from_views_equal_the_padded_copies() -> None:
    rng = random.Random(6)
    batches = [[], [""], ["a"], ["ab", "", "c"], ["\x00x\x00"], ["\ud800z"], _made_up_texts(50, seed=6)]
    for _ in range(300):
        size = rng.randint(0, 5)
        batches.append(["".join(rng.choice("ab中文\x00 \n𠀀") for _ in range(rng.randint(0, 8))) for _ in range(size)])
    _check_char_keys(batches)


# -- every shared message ---------------------------------------------------------------------------------
@pytest.mark.shared_data
def test_fast_paths_on_every_shared_message(shared_data_dir: Path) -> None:
    texts = _shared_texts(shared_data_dir)
    assert len(texts) > 10_000
    _check_char_keys([texts[start : start + 512] for start in range(0, len(texts), 512)])
    _check_cues(texts)
    _check_odd(texts, random.Random(5))
    _check_routing(texts, seed=3)
    model = load_default_analyzer().appeal_
    for start in range(0, len(texts), 512):
        batch = texts[start : start + 512]
        np.testing.assert_array_equal(model.decision_function(batch), _appeal_reference(batch))
