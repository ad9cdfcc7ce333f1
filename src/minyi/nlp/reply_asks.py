"""The questions and asks (诉求) of a message, and whether a reply answers each: what 完整性 counts.

`find_asks(message)` lists what the citizen asks: questions (请问… 能否… 什么时候…), requests (希望… 恳请… 请
督促…) and the numbered points of a complaint; a body without any asks what its title asks. Rhetorical questions
(难道…), reported speech, requests for a reply (盼复) and greetings are not asks; an ask that only points back
(解决这个问题) is dropped when one of its kind came before, and one saying what another said is dropped.

`match_asks(asks, reply, topic)` decides for each ask whether the reply answers it. Only the reply's substance
counts: acknowledgements (已收悉), forwarding (已转交…), referrals (请咨询…), thanks and vague promises (高度重视,
将认真研究) answer nothing. An ask is answered when that substance covers the ask's own content words — matched
whole, by their head or tail (学生档案 ~ 档案) or through a synonym that official wording uses for the citizen's
(修 ~ 维修/硬化, 噪音 ~ 噪声/扰民) — and, for a question that wants a date, a sum, documents or a place, gives one.
A request or a complaint is also answered when the reply states what was done or found, or decides with a reason,
about the message's problem (its topic words), even in words of its own. Pure functions over plain strings.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from minyi.nlp._reply_words import (
    ANONYMISED,
    CANNOT,
    CLAUSE_END,
    CONSULT,
    DONE,
    DROP_TAGS,
    FORM_OF,
    GENERIC_ASK_WORDS,
    GREETING,
    HOLLOW,
    ITEM,
    META,
    NAMED,
    NUMBER,
    POINTER,
    QUESTION,
    QUOTED,
    REASONS_FOLLOW,
    REQUEST,
    RHETORICAL,
    SENTENCE_END,
    STOP_WORDS,
    SUBSTANCE,
    SYNONYMS,
    WORD_RUN,
)

__all__ = ["Ask", "AskMatch", "content_terms", "find_asks", "match_asks", "message_topic"]


@dataclass(frozen=True)
class Ask:
    """One thing the citizen asks: its text, `question` / `request` / `item` / `title`, the form of answer a question
    wants (`when`, `sum`, `docs`, `where`, `how`, `why` or ""), its own content words and, for a question,
    those of the whole sentence around it."""

    text: str
    kind: str
    form: str
    terms: tuple[str, ...]
    context: tuple[str, ...] = ()


@dataclass(frozen=True)
class AskMatch:
    """One ask (its text and kind), whether the reply answers it, how much of it the reply covers (0–1) and the
    reply's sentence that does."""

    ask: str
    answered: bool
    score: float
    evidence: str = ""
    kind: str = ""


# --- asks ---------------------------------------------------------------------------------------------------


def _sentences(text: str) -> list[str]:
    return [s.strip(" ，,\t") for s in SENTENCE_END.split(text) if s and len(s.strip(" ，,\t")) > 1]


def _clauses(text: str) -> list[str]:
    return [c.strip(" ，,：:\t") for c in CLAUSE_END.split(text) if c.strip(" ，,：:\t")]


def content_terms(text: str) -> tuple[str, ...]:
    """The content words of a text, in order, once each: nouns and verbs that are not askers' formulas."""
    import rjieba  # a declared dependency; imported here so that importing this module stays cheap

    words = []
    for w, tag in rjieba.tag(ANONYMISED.sub(" ", text[:3000])):
        short = len(w) < 2 and w not in SYNONYMS  # 拆, 修, 退: one character that says what is asked
        if short or tag in DROP_TAGS or w in STOP_WORDS or not WORD_RUN.fullmatch(w) or w.isdigit():
            continue
        if QUESTION.fullmatch(w) or GENERIC_ASK_WORDS.match(w) or NUMBER.fullmatch(w):
            continue
        words.append(w)
    return tuple(dict.fromkeys(words))


def _form(text: str) -> str:
    return next((name for name, pattern, _ in FORM_OF if pattern.search(text)), "")


def _kind(clause: str, sentence: str) -> str:
    if QUESTION.search(clause) and not RHETORICAL.search(sentence):
        return "question"
    if REQUEST.search(clause) and not META.search(clause):
        return "request"
    return ""


def _items(sentence: str, listed: bool) -> list[str]:
    """A sentence cut at its enumeration marks (一是… 二是…, 其一…, 1、…), without the words that lead in."""
    starts = [m.start() for m in ITEM.finditer(sentence)]
    if len(starts) < (1 if listed else 2):
        return []
    ends = [*starts[1:], len(sentence)]
    return [p for a, b in zip(starts, ends, strict=True) if len(p := sentence[a:b].strip(" ，,。；;：:")) > 3]


def _asks_of(text: str, item: bool) -> list[Ask]:
    """The asks of one sentence or listed item: each clause that asks, with the clauses that carry its object."""
    clauses = _clauses(text)
    unquoted = _clauses(QUOTED.sub(lambda m: re.sub(r"[^，,：:]", "　", m.group()), text))
    kinds = [_kind(u, text) for u in unquoted] if len(unquoted) == len(clauses) else [_kind(c, text) for c in clauses]
    if not any(kinds):
        first = _sentences(text)[0] if _sentences(text) else text
        return [Ask(text, "item", "", content_terms(first), content_terms(text))] if item else []
    asks = []
    for i, kind in enumerate(kinds):
        if not kind:
            continue
        end = next((j for j in range(i + 1, len(kinds)) if kinds[j]), len(kinds))
        focus = "，".join(clauses[i:end] if kind == "request" else clauses[i : i + 1])
        terms = content_terms(focus)
        if not terms and sum(map(bool, kinds)) > 1:
            continue  # 请问，…: the clause that asks comes after
        context = content_terms(text) if kind == "question" else ()  # 为什么到现在还没修好: its object is before
        asks.append(Ask(focus, kind, _form(focus) if kind == "question" else "", terms, context))
    return asks


def _blocks(sentences: list[str], listed: bool) -> list[tuple[str, bool]]:
    """Sentences as they are, or, in a numbered list, each point with the sentences that continue it (item=True)."""
    blocks: list[tuple[str, bool]] = []
    open_item = False
    for sentence in sentences:
        starts_item = listed and bool(ITEM.match(sentence))
        asks = any(_kind(c, sentence) for c in _clauses(sentence))
        if open_item and not starts_item and not asks:
            blocks[-1] = (blocks[-1][0] + sentence, True)
            continue
        blocks.append((sentence, starts_item))
        open_item = starts_item
    return blocks


def _body_asks(body: str) -> list[Ask]:
    sentences = [s for s in _sentences(body) if not (GREETING.match(s) and len(s) < 20)]
    listed = sum(bool(ITEM.match(s)) for s in sentences) >= 2 and not REASONS_FOLLOW.search(body)
    asks: list[Ask] = []
    for block, is_item in _blocks(sentences, listed):
        items = _items(block, listed)
        found = [a for piece in items for a in _asks_of(piece, True)] or _asks_of(block, is_item)
        for ask in found:
            own = [t for t in ask.terms if not POINTER.fullmatch(t)]
            vague = not own or (POINTER.search(ask.text) and len(own) <= 2)
            if vague and any(a.kind == ask.kind for a in asks):
                continue  # "解决这个问题": the message's problem, already asked about
            if any(_same_ask(ask.terms, a.terms) for a in asks):
                continue
            asks.append(ask)
    return asks


def _same_ask(a: tuple[str, ...], b: tuple[str, ...]) -> bool:
    if not a or not b:
        return False
    return len(set(a) & set(b)) / min(len(a), len(b)) >= 0.6


def find_asks(message: str, limit: int = 6) -> list[Ask]:
    """The message's asks in order, at most `limit`; a body without any asks what its title (first line) asks."""
    title, _, body = message.partition("\n")
    asks = _body_asks(body)
    if not asks:
        text = title.strip() or next(iter(_sentences(body)), "")
        if text:
            asks = [Ask(text, "title", _form(text), content_terms(text))]
    return asks[:limit]


def message_topic(message: str, limit: int = 8) -> tuple[str, ...]:
    """What the message is about: its title's content words, then its body's most frequent ones."""
    title, _, body = message.partition("\n")
    counts: dict[str, int] = {}
    for w in content_terms(body):
        counts[w] = max(body.count(w), 1)
    frequent = sorted((w for w, c in counts.items() if c >= 2), key=lambda w: (-counts[w], -len(w)))
    return tuple(dict.fromkeys([*content_terms(title), *frequent]))[:limit]


# --- matching -----------------------------------------------------------------------------------------------


def _substantive(sentence: str) -> bool:
    """A sentence that says something beyond acknowledging, forwarding, referring, thanking or promising attention."""
    if CANNOT.search(sentence):
        return False
    rest = HOLLOW.sub("", sentence)
    if len("".join(WORD_RUN.findall(rest))) < 6:
        return False
    return bool(SUBSTANCE.search(rest)) or len(content_terms(rest)) >= 3


def _found(term: str, text: str) -> float:
    """1 when the term or a synonym is in the text, 0.5 when only its head or tail (学生档案 → 档案) is or the reply
    points back to it (鞋店 → 该店)."""
    if term in text or any(s in text for s in SYNONYMS.get(term, ())):
        return 1.0
    if len(term) >= 2 and NAMED.search(term) and any(f"{p}{term[-1]}" in text for p in "该此本"):
        return 0.5
    if len(term) == 2 and _gapped(term, text):
        return 0.5  # 电船 ~ 电鱼船
    if len(term) >= 3 and WORD_RUN.fullmatch(term) and not term.isascii():
        parts = {term[:2], term[-2:]}
        if any(p in text or any(s in text for s in SYNONYMS.get(p, ())) for p in parts if p not in STOP_WORDS):
            return 0.5
    return 0.0


def _gapped(term: str, text: str) -> bool:
    """The two characters of `term` with one Chinese character between them."""
    i = text.find(term[0])
    while i >= 0:
        if text[i + 2 : i + 3] == term[1] and "\u4e00" <= text[i + 1] <= "\u9fff":
            return True
        i = text.find(term[0], i + 1)
    return False


def _coverage(terms: tuple[str, ...], text: str) -> float:
    return sum(_found(t, text) for t in terms) / len(terms) if terms else 0.0


def _answers_form(form: str, text: str) -> bool:
    cue = next((c for name, _, c in FORM_OF if name == form), None)
    return cue is None or bool(cue.search(text))


def _match(ask: Ask, substance: list[str], topic: tuple[str, ...], threshold: float) -> AskMatch:
    if not substance:
        return AskMatch(ask.text, False, 0.0, kind=ask.kind)
    text = "".join(substance)
    terms = ask.terms  # a short ask is about what the sentence around it says, or else the message's problem
    if len(terms) < 2:
        terms = tuple(dict.fromkeys([*terms, *ask.context])) if ask.context else (*terms, *topic)
    own = max(_coverage(terms, text), _coverage(ask.context, text))
    scores = [_coverage(terms, s) + 0.5 * _coverage(topic, s) for s in substance]
    best = max(range(len(substance)), key=lambda i: scores[i])
    # where the answer's form is looked for: the sentences about the ask and the one after each (a list of
    # documents or the office to go to often follows the sentence that names the matter)
    near = {j for i, score in enumerate(scores) if score > 0 for j in (i, i + 1)}
    related = "".join(s for i, s in enumerate(substance) if i in near) or text
    covered = own >= threshold or sum(_found(t, text) >= 1 for t in terms) >= 3
    about_problem = _coverage(topic, text) >= threshold * 0.6
    if ask.kind == "question" or (ask.kind == "title" and CONSULT.search(ask.text)):
        # its own words, or some of them in a reply about the message's problem; and the kind of answer it wants
        answered = (covered or (own >= threshold / 2 and about_problem)) and _answers_form(ask.form, related)
    elif ask.kind == "item":  # a point of a complaint, told at length: its main words suffice
        answered = own >= threshold / 2
    else:  # a request or the title: what was done or decided about the message's problem answers it
        answered = (covered or about_problem) and bool(DONE.search(text))
    return AskMatch(ask.text, answered, round(own, 3), substance[best], ask.kind)


def match_asks(
    asks: list[Ask],
    reply: str,
    topic: tuple[str, ...] = (),
    *,
    threshold: float = 0.5,
) -> list[AskMatch]:
    """Each ask with whether the reply's substance answers it (see the module's docstring).

    `threshold` is the share of an ask's own content words the substance must cover; `topic` the message's main
    words (`message_topic`), of which a reply about the message's problem covers `0.6 × threshold`.
    """
    substance = [s for s in _sentences(reply) if _substantive(s)]
    return [_match(ask, substance, topic, threshold) for ask in asks]
