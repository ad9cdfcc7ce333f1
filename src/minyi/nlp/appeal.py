"""Appeal kind (诉求类型) classifier: what does the writer want the government to do?

The seven kinds are the codes of ``labels.APPEAL_KINDS``. Labelling guidelines:
``docs/labelling/appeal_kind.md``; hand labels: ``gold/appeal_kind.csv``.

Features: character 1-3-gram TF-IDF of three fields (title, body head, body tail: the request is
usually stated in the title or at the end) plus counts of hand-written cue phrases per field
(question, doubt, thanks, proposal, grievance, hardship, health scare, rumour ...). Model: a
class-balanced logistic regression (C=10, chosen by the mean macro-F1 of the gold-set CV over five
fold seeds), fitted twice: the second time only on the ``max_ngrams`` (20,000 of ~85,000) n-grams
whose weights were largest in the first fit. That costs ~0.008 of five-seed mean macro-F1 (0.685 ->
0.677, within the spread between seeds) and a third of the prediction time (79 -> 54 µs a message).

Speed matters (the whole per-message pipeline must run at >= 2,500 messages/s per core), so
nothing loops over characters in Python. A batch is joined into one code-point array and each
n-gram size is hashed in one vectorised NumPy pass; the vocabulary is a set of 64-bit hashes looked
up through a hash table, the cue phrases are vocabulary entries too (counting them costs nothing
extra), and scores are computed with NumPy gathers instead of scipy/scikit-learn calls.
scikit-learn's char analyzer alone costs ~0.4 ms per message; predict here costs ~0.05 ms per
message in batches of 256 and ~0.15 ms for a single message (NumPy per-call overhead): call it on
batches where you can.
"""

from __future__ import annotations

import csv
import json
import re
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import TypedDict, Unpack

import numpy as np
import scipy.sparse as sp
from sklearn.base import BaseEstimator, ClassifierMixin, TransformerMixin
from sklearn.linear_model import LogisticRegression
from sklearn.metrics import confusion_matrix, f1_score, recall_score
from sklearn.model_selection import StratifiedGroupKFold

from minyi.nlp._hashing import KeyIndex
from minyi.nlp.dedup import near_duplicate_groups
from minyi.nlp.labels import APPEAL_KINDS
from minyi.nlp.text import join_text, split_text

LABELS: tuple[str, ...] = tuple(APPEAL_KINDS)
N_FIELDS = 3  # title, body head, body tail
_FIELD_SALTS = np.arange(1, N_FIELDS + 1)
MAX_N = 3  # character n-grams of 1..MAX_N characters; cue phrases are at most MAX_N characters

# Cue phrases (1-3 characters) per group. They are features, not rules: the model weighs them.
CUE_PHRASES: dict[str, str] = {
    "question": "是否 能否 能不能 可否 可不可 请问 吗？ 吗? 么？ 呢？ 怎么办 怎样 如何 哪些 哪里 什么时 何时 多少",
    "inquiry": "咨询 办理 流程 手续 需要哪 什么材 条件 政策 标准 规定 申请",
    "why": "为什么 为何 凭什么 难道 到底 是不是 怎么回",
    "doubt": "合理吗 否合理 合法吗 不理解 不明白 不解 疑问 疑惑 困惑 搞不懂 想不通 不是说 按理说 按道理"
    " 法不一 矛盾 既然",
    "thanks": "感谢 谢谢 点赞 表扬 称赞 赞扬 致敬 锦旗 好干部 好书记 办实事 辛苦了 得到解 已解决 解决了 满意",
    "proposal": "建议 希望 呼吁 盼望 增设 增加 增开 开通 设置 新建 修建 延长 改造 规划 优化 改为 完善 加快",
    "complaint": "投诉 举报 扰民 违规 违法 违章 噪音 噪声 污染 乱收费 拖欠 欠薪 不作为 强制 强行 霸占 偷排 乱搭"
    " 占道 欺诈 虚假 屡禁不 推诿 敷衍",
    "persisting": "至今 多次 反映 无果 一直 迟迟 仍然 依然 再次",
    "hardship": "困难 求助 救助 帮帮 帮忙 低保 贫困 残疾 患有 病情 救救 走投无 无助 补助 救命 生活费 治疗 医药费"
    " 负债 借钱 欠债 丧失劳 瘫痪 癌 尿毒症",
    "scare": "辐射 电磁 白血病 致癌 畸形 癌症 传染 病毒 危害 身体健 生命安",
    "rumour": "听说 传言 网传 谣言 据说 传闻 有人说 真的吗 否属实",
    "radiation": "变电站 高压线 基站 发射塔 千伏 kv KV kV",
}

# Two patterns the model cannot learn from 1,267 messages (issue 12), added to its scores as fixed
# log-odds (``rule_bias``), not learned, and looked for in the title and the first RULE_CHARS of the body:
# - Own hardship asking for relief (困难 -> 帮助): the writer or a family member is ill, disabled, out
#   of work or without income, the message asks for aid, and nobody is accused of a wrong (that would
#   make it a complaint: docs/labelling/appeal_kind.md, "complaint vs help").
# - A health claim taken as true (错误看法): something "prevents or cures" a disease (喝醋能防新冠,
#   板蓝根可以治…) and the writer asks why it is not promoted, without asking whether it is true (that
#   would be an inquiry).
RULE_CHARS = 400
_OWN = r"(?:我|本人|我家|我们家|家中|家里|妻子|丈夫|老伴|儿子|女儿|孩子|父亲|母亲|爸爸|妈妈|老人)"
_CONDITION = (
    r"(?:患有?|得了|身患|确诊|重病|大病|绝症|癌|白血病|尿毒症|瘫痪|中风|脑出血|残疾|伤残|失明|失聪|失独|失业|"
    r"下岗|无业|没有工作|无工作|丧失劳动|没有收入|无收入|无经济来源|穷|贫困|特困|孤寡|无依无靠|受灾|房屋倒塌|"
    r"危房|走失|失联|生活(?:十分|非常|相当|极其)?困难|家庭(?:十分|非常|相当|极其)?困难)"
)
_OWN_HARDSHIP = re.compile(_OWN + r"[^。！？!?\n]{0,30}?" + _CONDITION)
# A title that names the hardship (…贫困村民请求帮助, …乳腺癌患者的请求) needs no first person.
_TITLE_HARDSHIP = re.compile(r"贫困|特困|困难户|困难家庭|患者|病人|重病|大病|残疾|下岗|受灾|走失|救救|救助|求助")
_RELIEF = re.compile(
    r"救助|援助|帮扶|救济|补助|低保|关照|照顾|求助|救救|救命|帮帮|帮忙|帮助|扶持|资助|减免|"
    r"解决[^。！？!?\n]{0,6}(?:困难|生活|看病|就医|医疗费|住房)"
)
# Accusing someone of a wrong makes it a complaint, however hard the writer's life.
_WRONGDOER = re.compile(
    r"举报|投诉|违规|违法|欠薪|拖欠|克扣|强拆|不作为|腐败|卡扣|谎报|冒领|侵占|诈骗|打人|索贿|乱收费|霸占|强占"
)
_HEALTH_CLAIM = re.compile(
    r"(?:能|可以|可|会)(?:有效)?(?:预防|防止?|治好?|治疗|治愈|杀死|杀灭|抵抗|抗)"
    r"(?:新冠|冠状|肺炎|病毒|癌|感冒|流感|疫情|非典|白血病|百病|瘟疫|传染病)"
)
_PROMOTE = re.compile(
    r"(?:为什么|为何|怎么|咋)还?(?:不|没有?)(?:大力)?(?:推广|宣传|普及|发放|提倡|告诉)|应该(?:大力)?(?:推广|宣传|普及)"
)
_DOUBT = re.compile(r"是真的吗|是否属实|是不是真的|真的(?:能|可以)|有没有科学|有科学依据吗|是谣言|辟谣|请问")


def rule_scores(texts: Sequence[str]) -> np.ndarray:
    """(texts, 2) indicators of the two fixed patterns above: own hardship asking for relief, and a
    health claim taken as true. Cheap: a text is read only up to RULE_CHARS after its title."""
    out = np.zeros((len(texts), 2))
    for i, text in enumerate(texts):
        title, body = split_text(text)
        head = title + "\n" + body[:RULE_CHARS]
        if (
            _RELIEF.search(head)
            and (_TITLE_HARDSHIP.search(title) or _OWN_HARDSHIP.search(head))
            and not _WRONGDOER.search(head)
        ):
            out[i, 0] = 1.0
        if _HEALTH_CLAIM.search(head) and _PROMOTE.search(head) and not _DOUBT.search(head):
            out[i, 1] = 1.0
    return out


_FNV_PRIME = np.uint64(0x100000001B3)
_MIX = np.uint64(0x9E3779B97F4A7C15)  # odd 64-bit constant (golden ratio)
_SALT_STEP = np.uint64(1_000_003)
_SIZES = np.arange(MAX_N)
_SEPARATOR = 0  # U+0000 separates the texts of a joined batch; n-grams never span it


def ngram_keys(texts: Sequence[str], salts: np.ndarray | None = None) -> tuple[np.ndarray, np.ndarray]:
    """64-bit hashes of the 1..MAX_N-character n-grams of every text, and the text each is in.

    The batch is joined into one code-point array and hashed in one vectorised pass (FNV-1a steps
    and a multiplicative mix; integer arrays wrap around silently); n-grams spanning two texts are
    dropped. Output is ordered by position, so text indices are non-decreasing. ``salts`` (one int
    per text, default 1) separates fields: an n-gram hashes differently in a title and in a body.
    """
    joined = "\x00".join(t.replace("\x00", " ") for t in texts) + "\x00" * (MAX_N + 1)
    a = np.frombuffer(joined.encode("utf-32-le"), dtype=np.uint32).astype(np.uint64)
    m = a.size - MAX_N
    is_sep = a[:m] == _SEPARATOR
    doc = np.cumsum(is_sep) - is_sep
    # characters left before the next separator: an n-gram is valid when it fits
    sep_at = np.flatnonzero(is_sep)
    room = sep_at[doc] - np.arange(m)
    salt = np.ones(len(texts) + 1, dtype=np.uint64)
    if salts is not None:
        salt[:-1] = salts
    keys = np.empty((m, MAX_N), dtype=np.uint64)
    h = salt[doc] * _SALT_STEP
    for n in range(MAX_N):
        h = (h ^ a[n : n + m]) * _FNV_PRIME  # FNV-1a over code points
        keys[:, n] = h * _MIX  # lookups bucket on the top bits: spread the low ones up
    valid = (room[:, None] > _SIZES).ravel()
    return np.repeat(doc, MAX_N)[valid], keys.ravel()[valid]


def phrase_keys(phrases: Sequence[str], salt: int) -> np.ndarray:
    """The hash :func:`ngram_keys` gives each whole phrase (1..MAX_N characters) in field ``salt``."""
    out = []
    for phrase in phrases:
        if not 1 <= len(phrase) <= MAX_N:
            raise ValueError(f"cue phrase {phrase!r} must have 1..{MAX_N} characters")
        _, keys = ngram_keys([phrase], np.array([salt]))
        out.append(keys[len(phrase) - 1])  # position 0 comes first, sizes 1, 2, ...
    return np.asarray(out, dtype=np.uint64)


class AppealFeatures(TransformerMixin, BaseEstimator):
    """Char n-gram TF-IDF of title, body head and body tail, plus cue-phrase counts per field.

    One vocabulary holds the n-gram hashes of all three fields (the hash is salted by field) seen
    in at least ``min_df`` training texts, plus the cue phrases; no strings are stored. Each field
    is L2-normalised on its own and scaled by its weight.
    """

    def __init__(
        self,
        max_body_chars: int = 300,
        tail_chars: int = 150,
        min_df: int = 2,
        cue_weight: float = 1.0,
        title_weight: float = 1.0,
        tail_weight: float = 0.5,
    ) -> None:
        self.max_body_chars = max_body_chars
        self.tail_chars = tail_chars
        self.min_df = min_df
        self.cue_weight = cue_weight
        self.title_weight = title_weight
        self.tail_weight = tail_weight

    def _fields(self, texts: Sequence[str]) -> list[str]:
        """Title, body head, body tail of each text in turn (N_FIELDS strings per text), whitespace
        removed (the data has runs of \\n\\t). String ``j`` is field ``j % N_FIELDS`` of text
        ``j // N_FIELDS``."""
        out: list[str] = []
        head_window, tail_window = 2 * self.max_body_chars, 2 * self.tail_chars
        for text in texts:
            title, body = split_text(text)
            # "".join(s.split()) drops exactly what \s+ matches, about 3x faster than re.sub
            head = "".join(body[:head_window].split())
            long = len(head) > self.max_body_chars or len(body) > head_window
            tail = "".join(body[-tail_window:].split())[-self.tail_chars :] if long else ""
            out += ("".join(title.split()), head[: self.max_body_chars], tail)
        return out

    def fit(self, texts: Iterable[str], y: object = None) -> AppealFeatures:
        texts = list(texts)
        n = len(texts)
        doc, keys = ngram_keys(self._fields(texts), salts=np.tile(_FIELD_SALTS, n))
        pairs = np.unique(np.stack([keys, (doc // N_FIELDS).astype(np.uint64)]), axis=1)  # (key, text) once
        uniq, df = np.unique(pairs[0], return_counts=True)
        phrases = [(g, p) for g, group in enumerate(CUE_PHRASES.values()) for p in group.split()]
        cue_keys = np.concatenate([phrase_keys([p for _, p in phrases], salt) for salt in range(1, N_FIELDS + 1)])
        vocabulary = np.union1d(uniq[df >= self.min_df], cue_keys)
        df_all = np.zeros(vocabulary.size)
        where = np.minimum(np.searchsorted(vocabulary, uniq), vocabulary.size - 1)
        inside = vocabulary[where] == uniq
        df_all[where[inside]] = df[inside]
        n_groups = len(CUE_PHRASES)
        cue_column = np.full(vocabulary.size, -1, dtype=np.int64)  # field * n_groups + group, or -1
        fields_of_cues = np.repeat(np.arange(N_FIELDS), len(phrases))
        cue_column[np.searchsorted(vocabulary, cue_keys)] = (
            fields_of_cues * n_groups + [g for g, _ in phrases] * N_FIELDS
        )
        self.vocabulary_ = vocabulary
        self.idf_ = np.log((1 + n) / (1 + df_all)) + 1.0
        self.index_ = KeyIndex(vocabulary)
        self.cue_column_ = cue_column
        self.cue_scale_ = np.ones(N_FIELDS * n_groups)
        self.cue_scale_ = 1.0 / np.maximum(self.encode(texts)[3].max(axis=0, initial=0.0), 1.0)
        return self

    def keep(self, positions: np.ndarray) -> AppealFeatures:
        """Keep only these vocabulary entries (and every cue phrase): a smaller, faster lookup table."""
        positions = np.union1d(np.asarray(positions, dtype=np.int64), np.flatnonzero(self.cue_column_ >= 0))
        self.vocabulary_ = self.vocabulary_[positions]
        self.idf_ = self.idf_[positions]
        self.cue_column_ = self.cue_column_[positions]
        self.index_ = KeyIndex(self.vocabulary_)
        return self

    @property
    def n_features_(self) -> int:
        return self.vocabulary_.size + N_FIELDS * len(CUE_PHRASES)

    def encode(self, texts: Sequence[str]) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray]:
        """Sparse n-gram part as (text index, column, value) sorted by text, and the dense cue part.

        Repeated n-grams stay as separate entries (they add up in any product) and the field norm
        is taken over occurrences: no sorting, nearly the classic TF-IDF.
        """
        n, n_groups = len(texts), len(CUE_PHRASES)
        doc, keys = ngram_keys(self._fields(texts), salts=np.tile(_FIELD_SALTS, n))
        pos = self.index_.lookup(keys)
        found = pos >= 0
        doc, pos = doc[found], pos[found]  # doc = N_FIELDS * text + field, non-decreasing
        text = doc // N_FIELDS
        column = self.cue_column_[pos]
        is_cue = column >= 0
        counts = np.bincount(text[is_cue] * (N_FIELDS * n_groups) + column[is_cue], minlength=n * N_FIELDS * n_groups)
        cues = np.log1p(counts.reshape(n, N_FIELDS * n_groups)) * self.cue_scale_ * self.cue_weight
        value = self.idf_[pos]
        norms = np.sqrt(np.bincount(doc, weights=value * value, minlength=N_FIELDS * n))
        field_weight = np.array([self.title_weight, 1.0, self.tail_weight])
        value *= field_weight[doc - text * N_FIELDS] / np.maximum(norms[doc], 1e-12)
        return text, pos, value, cues

    def transform(self, texts: Iterable[str]) -> sp.csr_matrix:
        texts = list(texts)
        n = len(texts)
        row, column, value, cues = self.encode(texts)
        ngrams = sp.csr_matrix(
            (value, column, np.concatenate([[0], np.cumsum(np.bincount(row, minlength=n))])),
            shape=(n, self.vocabulary_.size),
        )
        return sp.hstack([ngrams, sp.csr_matrix(cues)], format="csr")


class AppealKindClassifier(ClassifierMixin, BaseEstimator):
    """Class-balanced logistic regression over :class:`AppealFeatures`; ``classes_`` are codes.

    Prediction computes the linear scores straight from the encoded features (NumPy gathers and
    one ``reduceat``), skipping scipy/scikit-learn per-call overhead: one message costs ~0.1 ms.
    ``rule_bias`` / ``claim_bias``: log-odds added to ``help`` / ``misconception`` when :func:`rule_scores`
    finds its pattern (0 turns a rule off); class attributes too, so that models pickled before them keep
    working. ``rule_bias`` was chosen by the gold-set CV (docs/nlp.md); the health-claim pattern never occurs
    in the gold set, so ``claim_bias`` is set to make it decide (a log-odds of 4 moves a 2% score past 50%).
    """

    rule_bias: float = 3.0
    claim_bias: float = 4.0

    def __init__(
        self,
        C: float = 10.0,
        max_body_chars: int = 300,
        tail_chars: int = 150,
        min_df: int = 2,
        cue_weight: float = 1.0,
        title_weight: float = 1.0,
        tail_weight: float = 0.5,
        class_weight: str | dict | None = "balanced",
        max_ngrams: int | None = 20_000,
        rule_bias: float = 3.0,
        claim_bias: float = 4.0,
    ) -> None:
        self.rule_bias = rule_bias
        self.claim_bias = claim_bias
        self.C = C
        self.max_body_chars = max_body_chars
        self.tail_chars = tail_chars
        self.min_df = min_df
        self.cue_weight = cue_weight
        self.title_weight = title_weight
        self.tail_weight = tail_weight
        self.class_weight = class_weight
        self.max_ngrams = max_ngrams

    def fit(self, texts: Iterable[str], y: Sequence[str] | np.ndarray) -> AppealKindClassifier:
        texts = list(texts)
        y = np.asarray(y)
        if len(texts) != len(y):
            raise ValueError(f"{len(texts)} texts but {len(y)} labels")
        unknown = sorted(set(y.tolist()) - set(LABELS))
        if unknown:
            raise ValueError(f"unknown appeal kinds {unknown}; expected some of {list(LABELS)}")
        self.features_ = AppealFeatures(
            max_body_chars=self.max_body_chars,
            tail_chars=self.tail_chars,
            min_df=self.min_df,
            cue_weight=self.cue_weight,
            title_weight=self.title_weight,
            tail_weight=self.tail_weight,
        ).fit(texts)

        def learn() -> LogisticRegression:
            model = LogisticRegression(C=self.C, class_weight=self.class_weight, max_iter=1000, tol=1e-3)
            return model.fit(self.features_.transform(texts), y)

        model = learn()
        n_vocab = self.features_.vocabulary_.size
        if self.max_ngrams is not None and n_vocab > self.max_ngrams:
            # keep the n-grams that weigh most for some kind, then learn again on just those: the
            # lookup table shrinks ~8x (fast, cache-friendly) and cross-validated macro-F1 holds
            strength = np.abs(model.coef_[:, :n_vocab]).max(axis=0)
            self.features_.keep(np.argsort(-strength, kind="stable")[: self.max_ngrams])
            model = learn()
        self.classes_ = model.classes_
        coef = model.coef_ if len(self.classes_) > 2 else np.vstack([-model.coef_[0], model.coef_[0]]) / 2
        intercept = (
            model.intercept_ if len(self.classes_) > 2 else np.concatenate([-model.intercept_, model.intercept_]) / 2
        )
        n_vocab = self.features_.vocabulary_.size
        self.ngram_coef_ = np.ascontiguousarray(
            coef[:, :n_vocab].T, dtype=np.float32
        )  # (vocabulary, classes): gather rows
        self.cue_coef_ = np.ascontiguousarray(coef[:, n_vocab:].T)
        self.intercept_ = intercept
        return self

    def decision_function(self, texts: Iterable[str]) -> np.ndarray:
        texts = list(texts)
        row, column, value, cues = self.features_.encode(texts)
        scores = cues @ self.cue_coef_ + self.intercept_
        if len(texts) == 1:
            scores[0] += value @ self.ngram_coef_[column]
        elif row.size:
            # one row per class (gathers along contiguous rows, a contiguous sum per text): the same pairwise
            # sums as np.add.reduceat(self.ngram_coef_[column] * value[:, None], starts, axis=0), twice as fast
            contributions = np.multiply(np.take(self._coef_by_class(), column, axis=1), value, dtype=np.float64)
            starts = np.flatnonzero(np.concatenate([[True], row[1:] != row[:-1]]))
            scores[row[starts]] += np.add.reduceat(contributions, starts, axis=1).T
        if self.rule_bias or self.claim_bias:
            classes = list(self.classes_)
            hits = rule_scores(texts)
            for j, (kind, bias) in enumerate((("help", self.rule_bias), ("misconception", self.claim_bias))):
                if kind in classes and bias:
                    scores[:, classes.index(kind)] += bias * hits[:, j]
        return scores

    def _coef_by_class(self) -> np.ndarray:
        """ngram_coef_ transposed (classes, vocabulary), contiguous: built once, not pickled."""
        coef = self.__dict__.get("_coef_t")
        if coef is None:
            coef = self.__dict__["_coef_t"] = np.ascontiguousarray(self.ngram_coef_.T)
        return coef

    def __getstate__(self) -> dict:
        state = dict(super().__getstate__())  # a copy: object.__getstate__ returns the instance's own __dict__
        state.pop("_coef_t", None)
        return state

    def predict_proba(self, texts: Iterable[str]) -> np.ndarray:
        scores = self.decision_function(texts)
        scores -= scores.max(axis=1, keepdims=True)
        p = np.exp(scores)
        return p / p.sum(axis=1, keepdims=True)

    def predict(self, texts: Iterable[str]) -> np.ndarray:
        return self.classes_[np.argmax(self.decision_function(texts), axis=1)]


def _find_message_files(data_dir: Path) -> dict[str, Path]:
    """Shared data files by stem, searched in ``data_dir`` and its sub-directories."""
    return {p.stem: p for p in sorted(Path(data_dir).rglob("messages_*.jsonl"))}


def load_gold(data_dir: Path, gold_dir: Path) -> tuple[list[str], list[str], list[tuple[str, int]]]:
    """Texts (title + "\\n" + body), labels and (source, id) keys of ``gold/appeal_kind.csv``."""
    with open(Path(gold_dir) / "appeal_kind.csv", encoding="utf-8", newline="") as f:
        gold = [(r["source"], int(r["id"]), r["label"]) for r in csv.DictReader(f)]
    files = _find_message_files(data_dir)
    wanted: dict[str, set[int]] = {}
    for source, mid, _ in gold:
        wanted.setdefault(source, set()).add(mid)
    texts_by_key: dict[tuple[str, int], str] = {}
    for source, ids in wanted.items():
        if source not in files:
            raise FileNotFoundError(f"{source}.jsonl not found under {data_dir}")
        with open(files[source], encoding="utf-8") as f:
            for line in f:
                row = json.loads(line)
                key = (source, int(row["id"]))
                if key[1] in ids and key not in texts_by_key:  # ids repeat within a file: first wins
                    texts_by_key[key] = join_text(row["title"].strip(), row["body"].strip())
    missing = [(s, i) for s, i, _ in gold if (s, i) not in texts_by_key]
    if missing:
        raise KeyError(f"gold messages not found in {data_dir}: {missing[:5]}")
    keys = [(s, i) for s, i, _ in gold]
    return [texts_by_key[k] for k in keys], [label for _, _, label in gold], keys


def duplicate_groups(texts: Sequence[str]) -> np.ndarray:
    """One group id per text; near-duplicates (MinHash Jaccard >= 0.5) share theirs."""
    groups = np.arange(len(texts))
    for members in near_duplicate_groups(list(texts)):
        groups[members] = members[0]
    return groups


def agreement(gold_dir: Path) -> dict:
    """How far two independent labelling passes agreed (``gold/appeal_kind_passes.csv``).

    Returns ``n``, ``accuracy`` (share of identical labels), ``kappa`` (Cohen), ``macro_f1`` of
    pass B scored against pass A, and ``adjudicated`` (messages a third reader decided).
    """
    from sklearn.metrics import cohen_kappa_score

    with open(Path(gold_dir) / "appeal_kind_passes.csv", encoding="utf-8", newline="") as f:
        rows = list(csv.DictReader(f))
    a = np.array([r["pass_a"] for r in rows])
    b = np.array([r["pass_b"] for r in rows])
    return {
        "n": len(rows),
        "accuracy": float(np.mean(a == b)),
        "kappa": float(cohen_kappa_score(a, b)),
        "macro_f1": float(f1_score(a, b, labels=list(LABELS), average="macro", zero_division=0)),
        "adjudicated": int(sum(1 for r in rows if r["adjudicated"])),
    }


def describe_agreement(agreed: dict) -> str:
    """One line on :func:`agreement`'s figures, as ``python -m minyi.nlp.appeal`` and ``minyi eval`` print it."""
    return (
        f"two independent passes agreed on {agreed['accuracy']:.1%} of {agreed['n']} messages"
        f" (Cohen's kappa {agreed['kappa']:.3f}; macro-F1 of one pass against the other {agreed['macro_f1']:.3f},"
        f" the ceiling for a model); {agreed['adjudicated']} decided by a third reader"
    )


class AppealParams(TypedDict, total=False):
    """Keyword arguments of :class:`AppealKindClassifier` (what :func:`evaluate` passes on)."""

    C: float
    max_body_chars: int
    tail_chars: int
    min_df: int
    cue_weight: float
    title_weight: float
    tail_weight: float
    class_weight: str | dict | None
    max_ngrams: int | None
    rule_bias: float
    claim_bias: float


def evaluate(
    data_dir: Path, gold_dir: Path, *, n_splits: int = 5, random_state: int = 0, **params: Unpack[AppealParams]
) -> dict:
    """Stratified k-fold cross-validation of :class:`AppealKindClassifier` on the gold labels.

    Near-duplicate messages (the same text posted twice, a petition signed by several writers) are
    kept in one fold (:func:`duplicate_groups`), so that no test text has a copy in training.
    Returns ``macro_f1``, ``accuracy``, ``per_class_f1``, ``per_class_recall``, ``confusion`` (rows = true, columns =
    predicted, both in ``labels`` order), ``labels``, ``n`` and ``support`` (gold messages per kind):
    the keys of ``evaluation.classification_report_dict``, plus ``support``.
    """
    texts, labels, _ = load_gold(data_dir, gold_dir)
    y = np.asarray(labels)
    pred = np.empty_like(y)
    folds = StratifiedGroupKFold(n_splits=n_splits, shuffle=True, random_state=random_state)
    for train, test in folds.split(texts, y, duplicate_groups(texts)):
        model = AppealKindClassifier(**params).fit([texts[i] for i in train], y[train])
        pred[test] = model.predict([texts[i] for i in test])
    per_class = f1_score(y, pred, labels=list(LABELS), average=None, zero_division=0)
    recall = recall_score(y, pred, labels=list(LABELS), average=None, zero_division=0)
    return {
        "per_class_recall": {label: float(v) for label, v in zip(LABELS, recall, strict=True)},
        "macro_f1": float(f1_score(y, pred, labels=list(LABELS), average="macro", zero_division=0)),
        "accuracy": float(np.mean(y == pred)),
        "per_class_f1": {label: float(v) for label, v in zip(LABELS, per_class, strict=True)},
        "confusion": confusion_matrix(y, pred, labels=list(LABELS)).tolist(),
        "labels": list(LABELS),
        "n": len(y),
        "support": {label: int((y == label).sum()) for label in LABELS},
    }


def main() -> None:  # pragma: no cover - python -m minyi.nlp.appeal [data_dir] [gold_dir]
    import sys

    root = Path(__file__).resolve().parents[3]
    data_dir = Path(sys.argv[1]) if len(sys.argv) > 1 else root.parent / "shared" / "data"
    gold_dir = Path(sys.argv[2]) if len(sys.argv) > 2 else root / "gold"
    result = evaluate(data_dir, gold_dir)
    if (gold_dir / "appeal_kind_passes.csv").is_file():
        print(f"gold labels: {describe_agreement(agreement(gold_dir))}")
    print(
        f"n={result['n']}  5-fold stratified CV, near-duplicates kept in one fold (random_state=0)"
        f"  macro-F1={result['macro_f1']:.3f}"
        f"  accuracy={result['accuracy']:.3f}"
    )
    for label in LABELS:
        print(f"  {label:<14} F1={result['per_class_f1'][label]:.3f}  support={result['support'][label]}")
    print("confusion matrix (rows = true, columns = predicted):")
    print(" " * 16 + " ".join(f"{label[:6]:>6}" for label in LABELS))
    for label, row in zip(LABELS, result["confusion"], strict=True):
        print(f"  {label:<14}" + " ".join(f"{v:>6}" for v in row))


if __name__ == "__main__":  # pragma: no cover
    main()
