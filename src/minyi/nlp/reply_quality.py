"""Reply quality check (答复质量检查): relevance, completeness, explanation, tone and timeliness of a reply.

Every verdict is `pass` / `warn` / `fail` (shown as 好 / 一般 / 差) and comes with the sentences of the reply
behind it (`evidence`) and what is missing (`gaps`), so a handler sees *why* before publishing. The checks
are transparent rules over character bigrams and a few phrase lists; `fit` only learns bigram IDF weights
from unlabelled text. Working days are counted by the caller (the platform uses its holiday calendar);
`evaluate` counts them with `chinese_calendar` when it knows the year, else Monday–Friday.
"""

from __future__ import annotations

import csv
import json
import math
import re
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field, replace
from datetime import date, datetime
from pathlib import Path

from minyi.nlp.reply_asks import AskMatch, find_asks, match_asks, message_topic
from minyi.nlp.segment import tokenize
from minyi.nlp.text import join_text

__all__ = [
    "CRITERIA",
    "CRITERION_NAMES",
    "VERDICT_NAMES",
    "Finding",
    "ReplyCheck",
    "ReplyChecker",
    "count_workdays",
    "evaluate",
    "format_evaluation",
]

CRITERIA = ("relevance", "completeness", "explanation", "tone", "timeliness")
CRITERION_NAMES = {
    "relevance": "相关性",
    "completeness": "完整性",
    "explanation": "解释依据",
    "tone": "语气",
    "timeliness": "及时性",
}
VERDICTS = ("pass", "warn", "fail")
VERDICT_NAMES = {"pass": "好", "warn": "一般", "fail": "差"}
MAX_CHARS = 20_000  # the platform accepts 10,000; anything longer is cut, never an error

_WORD_RUN = re.compile(r"[0-9A-Za-z\u4e00-\u9fff]+")
_SENTENCE_END = re.compile(r"(?<=[。！？!?；;])|\n+")
_SPACE = re.compile(r"[ \t\r\f\v\u3000]+|_x000D_")
_BOILERPLATE = re.compile(
    r"(您的|你的)?(留言|来信|信件|问题)[^。！，,]{0,8}(已经?)?(收悉|收到|阅)|"
    r"现将[^。：:]{0,30}(回复|答复)如下|"
    r"现(就[^。：:]{0,20})?(回复|答复)如下|特此(回复|答复)|回复如下|答复如下"
)
_ACTION = re.compile(
    r"已经|已于|已[^收阅悉转交]|正在|将[于会对要在进继尽积加持]|拟|计划|立即|责成|督促|安排|"
    r"整改|约谈|处罚|查处|"
    r"取缔|协调|落实|调查|核实|核查|处理"
)
_WHEN = re.compile(
    r"\d{1,4}年\d{1,2}月|\d{1,2}月\d{1,2}日|\d+个?(工作)?日内|\d+天内|[一二三两五十]+[个]?(工作)?日内|"
    r"月底前?|年底前?|年内|本周|下周|近期|近日|即日|今日|今天|当天|当日|今年|明年|下一步|尽快|[上下]半年"
)
_SIGNATURE_DATE = re.compile(r"\d{4}年\d{1,2}月\d{1,2}日\s*$")
_CONTACT = re.compile(
    r"电话|热线|联系人|联系方式|来电|致电|拨打|窗口|邮箱|地址[:：]|12345|12333|12348|12358|"
    r"\d{3,4}[-—－]+\d{4,}|0000-"
)
_REFERRAL = re.compile(r"转[交给至办]|交办|请(您)?(致电|登录|登陆|咨询|联系|拨打)|建议您?咨询|请[^。]{0,12}咨询")
_CITATION = re.compile(r"《[^》]{2,60}》")
_PLATFORM = re.compile(r"问政|留言|栏目|平台|信箱|网站|论坛")
_LAW = re.compile(
    r"第[一二三四五六七八九十百零\d]+条|条例|法规|办法|细则|实施意见|[〔\[［]\d{4}[〕\]］]|"
    r"\w{1,10}法(?=[第》，。、的规])"
)
_REASON = re.compile(r"根据|依据|按照|依照|依法|按规定|规定|政策|原则|标准|原因|由于|因为|因此|鉴于|所以|因[^为]")
_COURTESY = re.compile(r"您好|你好|感谢|谢谢|欢迎|敬请|谅解|理解和支持|理解与支持|抱歉|歉意|辛苦|尊敬的")
_BRUSH_OFF = re.compile(
    r"不归我[们局处]?管|不属于?我[们局处单位所]{0,2}(的)?(管辖|职责|职能|负责|范围)|"
    r"自己去|自行(解决|处理|协商)|"
    r"无法处理|无能为力|爱莫能助|与我[们局处]?无关|不予(答复|处理)|不清楚|没办法|管不了|找[^。，]{0,8}去"
)
_BRUSH_REASON = re.compile(r"因|由于|根据|按照|依照|属于|负责|职责|建议您|请您|可向|可以向|咨询|联系")
_BLAME = re.compile(r"无理取闹|捏造|造谣|别有用心|咎由自取|胡说|你们自己|你自己|刁民")
_SOFT_BLAME = re.compile(r"不实|不属实|纯属|恶意|过激")
_PLACE_SUFFIX = re.compile(
    r"(市|区|县|镇|乡|街道|社区|村|组|小区|路|街|大道|巷|学校|小学|中学|幼儿园|医院|公司|"
    r"广场|园|城|站)$"
)
_COMMON = (
    "您好 你好 感谢 谢谢 留言 反映 问题 回复 答复 有关 情况 网友 工作 支持 我们 你们 请问 是否 能否 "
    "希望 要求 恳请 建议 领导 尊敬 政府 部门 相关 进行 一个 这个 没有 可以 什么 怎么 如何 为什么"
)
_STOP_BIGRAMS = frozenset(f"{_COMMON} 如下 理解 监督 关心 收悉 现将 您的".split())
_STOP_WORDS = frozenset(
    f"{_COMMON} 现在 已经 但是 因为 所以 还是 就是 他们 自己 这样 那么 如果 以及 一直 非常 "
    "真的 不能 不是 时候 的话 请求 书记 市长 县长 本人".split()
)


@dataclass(frozen=True)
class Finding:
    """One criterion's verdict, a one-line summary, the reply's sentences behind it, and what is missing."""

    criterion: str
    verdict: str
    score: float
    summary: str
    evidence: tuple[str, ...] = ()
    gaps: tuple[str, ...] = ()

    @property
    def name(self) -> str:
        """The criterion's Chinese name."""
        return CRITERION_NAMES[self.criterion]

    @property
    def verdict_name(self) -> str:
        """好 / 一般 / 差."""
        return VERDICT_NAMES[self.verdict]

    def to_dict(self) -> dict:
        """Plain data (JSON-ready)."""
        return asdict(self) | {
            "name": self.name,
            "verdict_name": self.verdict_name,
            "evidence": list(self.evidence),
            "gaps": list(self.gaps),
        }


@dataclass(frozen=True)
class ReplyCheck:
    """The findings of one reply, in CRITERIA order."""

    findings: tuple[Finding, ...]
    notes: tuple[str, ...] = field(default=())

    @property
    def verdict(self) -> str:
        """The worst verdict of all criteria."""
        return max((f.verdict for f in self.findings), key=VERDICTS.index, default="pass")

    def __getitem__(self, criterion: str) -> Finding:
        return next(f for f in self.findings if f.criterion == criterion)

    def to_dict(self) -> dict:
        """Plain data (JSON-ready)."""
        return {
            "verdict": self.verdict,
            "verdict_name": VERDICT_NAMES[self.verdict],
            "notes": list(self.notes),
            "findings": [f.to_dict() for f in self.findings],
        }


# --- text helpers -------------------------------------------------------------------------------------------


def _clean(text: object) -> str:
    if not isinstance(text, str):
        return ""
    return _SPACE.sub(" ", text[:MAX_CHARS]).strip()


def _sentences(text: str) -> list[str]:
    return [s.strip(" ，,") for s in _SENTENCE_END.split(text) if s and len(s.strip(" ，,")) > 1]


def _bigrams(text: str) -> Counter[str]:
    grams: Counter[str] = Counter()
    for run in _WORD_RUN.findall(text):
        grams.update(run[i : i + 2] for i in range(len(run) - 1))
    return grams


def _copied_mask(reply: str, message: str, n: int = 8) -> list[bool]:
    """True at each reply character that lies inside an n-char span copied from the message."""
    shingles = {message[i : i + n] for i in range(len(message) - n + 1)}
    mask = [False] * len(reply)
    for i in range(len(reply) - n + 1):
        if reply[i : i + n] in shingles:
            mask[i : i + n] = [True] * n
    return mask


def _own_text(reply: str, message: str) -> tuple[str, float]:
    """The reply with the spans copied from the message blanked out, and the share of it that was copied."""
    mask = _copied_mask(reply, message)
    own = "".join(ch if not m else " " for ch, m in zip(reply, mask, strict=True))
    return own, sum(mask) / max(len(reply), 1)


def _reply_body(reply: str) -> str:
    """The reply without its signature date and its stock phrases (已收悉, 现答复如下…)."""
    return _BOILERPLATE.sub("", _strip_signature(reply))


def _short(sentence: str, limit: int = 80) -> str:
    return sentence if len(sentence) <= limit else sentence[:limit] + "…"


def _strip_signature(text: str) -> str:
    return _SIGNATURE_DATE.sub("", text).strip()


def count_workdays(start: datetime | date, end: datetime | date) -> int:
    """Working days in (start, end]: China's calendar where `chinese_calendar` knows the year, else Mon–Fri."""
    import numpy as np

    first = start.date() if isinstance(start, datetime) else start
    last = end.date() if isinstance(end, datetime) else end
    if last < first:
        return -count_workdays(last, first)
    try:
        import chinese_calendar

        days = chinese_calendar.get_workdays(first, last)
        return len([d for d in days if d != first])
    except (ImportError, NotImplementedError):
        return int(
            np.busday_count(first, last, weekmask="Mon Tue Wed Thu Fri") - (first.weekday() < 5) + (last.weekday() < 5)
        )


# --- the checker --------------------------------------------------------------------------------------------


class ReplyChecker:
    """Checks a reply against its message. `fit(texts)` learns character-bigram IDF (optional)."""

    def __init__(
        self,
        deadline_days: int = 15,
        late_factor: float = 2.0,
        max_questions: int = 6,
        relevance_pass: float = 0.1,
        relevance_warn: float = 0.03,
        answered_threshold: float = 0.5,
        copied_threshold: float = 0.8,
    ) -> None:
        self.deadline_days = deadline_days
        self.late_factor = late_factor
        self.max_questions = max_questions
        self.relevance_pass = relevance_pass
        self.relevance_warn = relevance_warn
        self.answered_threshold = answered_threshold
        self.copied_threshold = copied_threshold

    def fit(self, X: Sequence[str], y: object = None) -> ReplyChecker:
        """Learn bigram document frequencies from unlabelled texts (messages and replies)."""
        df: Counter[str] = Counter()
        for text in X:
            df.update(set(_bigrams(_clean(text))))
        n = max(len(X), 1)
        self.idf_ = {g: math.log((1 + n) / (1 + c)) + 1.0 for g, c in df.items()}
        self.default_idf_ = math.log(1 + n) + 1.0
        return self

    def _idf(self, gram: str) -> float:
        if gram in _STOP_BIGRAMS:
            return 0.1
        idf = getattr(self, "idf_", None)
        return 1.0 if idf is None else idf.get(gram, self.default_idf_)

    def _vector(self, text: str) -> dict[str, float]:
        return {g: (1 + math.log(c)) * self._idf(g) for g, c in _bigrams(text).items()}

    def check(self, message: str, reply: str, *, workdays: int | None = None) -> ReplyCheck:
        """All five findings for one reply; `workdays` is the number of working days since the message."""
        message, reply, notes = _clean(message), _clean(reply), []
        if isinstance(reply, str) and len(reply) >= MAX_CHARS:
            notes.append(f"答复过长，只检查了前 {MAX_CHARS} 个字")
        timeliness = self._timeliness(workdays)
        if not reply:
            empty = [Finding(c, "fail", 0.0, "答复为空", gaps=("请填写答复内容",)) for c in CRITERIA[:-1]]
            return ReplyCheck((*empty, timeliness), tuple(notes))
        own, copied = _own_text(reply, message)
        if copied >= self.copied_threshold:
            notes.append(f"答复的 {copied:.0%} 是留言原文")
            return ReplyCheck(
                (
                    Finding(
                        "relevance",
                        "fail",
                        0.0,
                        "答复只是复述了留言，没有回应",
                        gaps=("请写明调查结果、处理措施和依据",),
                    ),
                    *[Finding(c, "fail", 0.0, "答复只是复述了留言") for c in CRITERIA[1:-1]],
                    timeliness,
                ),
                tuple(notes),
            )
        findings = [
            self._relevance(message, own),
            self._completeness(message, own, reply),
            self._explanation(own),
            self._tone(own),
            timeliness,
        ]
        substance = _sentences(_reply_body(own))
        rest = " ".join(s for s in substance if not _REFERRAL.search(s) and not _COURTESY.search(s))
        if any(_REFERRAL.search(s) for s in substance) and sum(map(len, _WORD_RUN.findall(rest))) < 30:
            notes.append("答复只说明已转交或请群众另行咨询，没有回应具体问题")
            findings[0] = replace(
                findings[0],
                verdict=max(findings[0].verdict, "warn", key=VERDICTS.index),
                gaps=(*findings[0].gaps, "只说明已转交或请另行咨询"),
            )
            findings[1] = replace(findings[1], verdict="fail", gaps=(*findings[1].gaps, "没有实质答复"))
        return ReplyCheck(tuple(findings), tuple(notes))

    def asks(self, message: str, reply: str) -> list[AskMatch]:
        """The message's questions and asks, each with whether the reply answers it (what 完整性 counts)."""
        message, reply = _clean(message), _clean(reply)
        if not message or not reply:
            return []
        return self._match_asks(message, reply)

    def _match_asks(self, message: str, reply: str) -> list[AskMatch]:
        """Asks are matched on the whole reply: words it quotes from the message may say what an answer is about."""
        asks = find_asks(message, self.max_questions)
        return match_asks(asks, _reply_body(reply), message_topic(message), threshold=self.answered_threshold)

    def check_template(self, text: str) -> ReplyCheck:
        """A reply template has no message: check what it says was done, its contact, explanation and tone."""
        text = _clean(text)
        if not text:
            return ReplyCheck(
                tuple(Finding(c, "fail", 0.0, "模板为空") for c in ("completeness", "explanation", "tone"))
            )
        return ReplyCheck((self._completeness("", text), self._explanation(text), self._tone(text)))

    def check_many(
        self,
        pairs: Iterable[tuple[str, str]],
        workdays: Iterable[int | None] | None = None,
    ) -> list[ReplyCheck]:
        """check() over (message, reply) pairs."""
        pairs = list(pairs)
        days = list(workdays) if workdays is not None else [None] * len(pairs)
        return [self.check(m, r, workdays=d) for (m, r), d in zip(pairs, days, strict=True)]

    # --- criteria -------------------------------------------------------------------------------------------

    def _key_terms(self, message: str, limit: int = 8) -> list[str]:
        words = [
            w
            for w in tokenize(message[:3000])
            if len(w) >= 2 and w not in _STOP_WORDS and _WORD_RUN.fullmatch(w) and not w.isdigit()
        ]
        counts = Counter(words)

        def weight(w: str) -> float:
            grams = [w[i : i + 2] for i in range(len(w) - 1)]
            place = 1.5 if _PLACE_SUFFIX.search(w) else 1.0
            return counts[w] ** 0.5 * place * sum(self._idf(g) for g in grams) / len(grams)

        return sorted(counts, key=lambda w: (-weight(w), w))[:limit]

    def _cosine(self, a: str, b: str) -> float:
        va, vb = self._vector(a), self._vector(b)
        dot = sum(v * vb.get(g, 0.0) for g, v in va.items())
        norm = math.sqrt(sum(v * v for v in va.values())) * math.sqrt(sum(v * v for v in vb.values()))
        return dot / norm if norm else 0.0

    def _relevance(self, message: str, reply: str) -> Finding:
        if not message:
            return Finding("relevance", "warn", 0.0, "没有留言可比较")
        similarity = self._cosine(message, reply)
        terms = self._key_terms(message)
        shared = [t for t in terms if t in reply]
        missing = tuple(t for t in terms if t not in reply)
        places = [t for t in shared if _PLACE_SUFFIX.search(t)]
        evidence = tuple(_short(s) for s in _sentences(reply) if any(t in s for t in shared))[:3]
        score = min(1.0, similarity / self.relevance_pass * 0.6 + len(shared) / max(len(terms), 1) * 0.4)
        detail = f"与留言的相似度 {similarity:.2f}，共有关键词 {len(shared)}/{len(terms)}"
        detail += f"（{'、'.join(shared[:6])}）" if shared else ""
        detail += f"，提到地点 {'、'.join(places[:3])}" if places else ""
        if similarity >= self.relevance_pass or len(shared) >= 2:
            return Finding("relevance", "pass", score, detail, evidence, ())
        gaps = (f"未提到留言的关键词：{'、'.join(missing[:6])}",) if missing else ()
        verdict = "warn" if similarity >= self.relevance_warn or shared else "fail"
        return Finding("relevance", verdict, score, detail, evidence, gaps)

    def _completeness(self, message: str, reply: str, full_reply: str = "") -> Finding:
        """`reply` without the spans copied from the message, `full_reply` with them (for the asks)."""
        body = _reply_body(reply)
        sentences = _sentences(body)
        matches = self._match_asks(message, full_reply or reply) if message else []
        answered = sum(m.answered for m in matches)
        evidence = [_short(m.evidence) for m in matches if m.answered]
        gaps = [f"未回应：{_short(m.ask, 50)}" for m in matches if not m.answered]
        actions = [s for s in sentences if _ACTION.search(s)]
        when = [s for s in sentences if _WHEN.search(s)]
        contact = [s for s in sentences if _CONTACT.search(s)]
        # a consultation whose every question is answered needs no action: the information is the substance
        informed = bool(matches) and answered == len(matches) and all(m.kind == "question" for m in matches)
        if not actions and not informed:
            gaps.append("没有说明已经做了什么或将要做什么")
        if not when:
            gaps.append("没有说明办理的时间或期限")
        if not contact:
            gaps.append("没有留下后续联系方式（电话、热线、联系人或地址）")
        share = answered / len(matches) if matches else 0.5  # a template: no questions to weigh
        points = 2 * share + (bool(actions) or informed) + 0.5 * bool(when) + 0.5 * bool(contact)
        evidence += [_short(s) for s in (actions[:1] + when[:1] + contact[:1])]
        summary = (
            f"回应了留言中的 {answered}/{len(matches)} 个问题或诉求；" if matches else ""
        ) + f"{'有' if actions else '无'}办理措施，{'有' if when else '无'}时间，{'有' if contact else '无'}联系方式"
        verdict = "pass" if points >= 2.5 else "warn" if points >= 1.25 or answered else "fail"
        return Finding("completeness", verdict, points / 4, summary, tuple(dict.fromkeys(evidence)), tuple(gaps))

    def _explanation(self, reply: str) -> Finding:
        sentences = _sentences(reply)
        cited = [s for s in sentences if any(not _PLATFORM.search(c) for c in _CITATION.findall(s)) or _LAW.search(s)]
        if cited:
            names = [c for s in cited for c in _CITATION.findall(s) if not _PLATFORM.search(c)]
            summary = "引用了政策或法规" + (f"：{'、'.join(dict.fromkeys(names[:3]))}" if names else "")
            return Finding("explanation", "pass", 1.0, summary, tuple(_short(s) for s in cited[:3]))
        reasons = [s for s in sentences if _REASON.search(_BOILERPLATE.sub("", s))]
        if reasons:
            return Finding(
                "explanation",
                "warn",
                0.5,
                "说明了理由，但没有引用具体的政策或法规",
                tuple(_short(s) for s in reasons[:3]),
                ("可引用所依据的政策、法规或文件（《…》第…条）",),
            )
        return Finding(
            "explanation", "fail", 0.0, "没有说明依据或理由", (), ("请说明处理所依据的政策、法规或事实理由",)
        )

    def _tone(self, reply: str) -> Finding:
        sentences = _sentences(reply)
        courtesy = [s for s in sentences if _COURTESY.search(s)]
        blame = [s for s in sentences if _BLAME.search(s)]
        brush = [s for s in sentences if _BRUSH_OFF.search(s)]
        bare_brush = [s for s in brush if not _BRUSH_REASON.search(_BRUSH_OFF.sub("", s))]
        soft = [s for s in sentences if _SOFT_BLAME.search(s)]
        if blame or bare_brush:
            return Finding(
                "tone",
                "fail",
                0.0,
                "有指责或推诿的说法",
                tuple(_short(s) for s in blame + bare_brush),
                ("请删去指责或推诿的话，说明原因并告知可以找谁办理",),
            )
        gaps = []
        if not courtesy:
            gaps.append("没有问候或致谢（您好、感谢）")
        if brush:
            gaps.append("说明了不属本部门办理，请确认已告知群众具体的办理部门")
        if soft:
            gaps.append("否定群众说法时请摆出事实，避免生硬")
        evidence = tuple(_short(s) for s in (courtesy[:2] + brush[:2] + soft[:2]))
        if gaps:
            return Finding("tone", "warn", 0.5, "语气基本得体，但" + "；".join(gaps), evidence, tuple(gaps))
        return Finding("tone", "pass", 1.0, "礼貌得体", evidence)

    def _timeliness(self, workdays: int | None) -> Finding:
        if workdays is None:
            return Finding("timeliness", "warn", 0.5, "缺少留言或答复时间，无法判断")
        if workdays < 0:
            return Finding("timeliness", "warn", 0.5, "答复时间早于留言时间，请核对时间", gaps=("时间异常",))
        limit = self.deadline_days
        summary = f"留言后第 {workdays} 个工作日答复（时限 {limit} 个工作日）"
        if workdays <= limit:
            return Finding("timeliness", "pass", 1.0, summary)
        verdict = "warn" if workdays <= limit * self.late_factor else "fail"
        return Finding(
            "timeliness",
            verdict,
            max(0.0, 1 - (workdays - limit) / (limit * self.late_factor)),
            summary,
            gaps=(f"超过时限 {workdays - limit} 个工作日",),
        )


# --- evaluation on the shared data --------------------------------------------------------------------------


def _read_rows(data_dir: Path) -> list[dict]:
    path = Path(data_dir) / "messages_with_replies.jsonl"
    with path.open(encoding="utf-8") as handle:
        return [json.loads(line) for line in handle if line.strip()]


def _parse_time(value: str) -> datetime | None:
    try:
        return datetime.strptime(value.strip(), "%Y-%m-%d %H:%M:%S")
    except (AttributeError, ValueError):
        return None


def _cohen_kappa(a: list[str], b: list[str]) -> float:
    n = len(a)
    if not n:
        return 0.0
    observed = sum(x == y for x, y in zip(a, b, strict=True)) / n
    ca, cb = Counter(a), Counter(b)
    expected = sum(ca[k] * cb[k] for k in VERDICTS) / (n * n)
    return 1.0 if expected == 1 else (observed - expected) / (1 - expected)


def _read_gold(gold_dir: str | Path | None) -> list[dict]:
    path = Path(gold_dir) / "reply_quality.csv" if gold_dir else None
    if path is None or not path.is_file():
        return []
    with path.open(encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def evaluate(
    data_dir: str | Path,
    gold_dir: str | Path | None = None,
    *,
    checker: ReplyChecker | None = None,
    gold_only: bool = False,
    fit_idf: bool = False,
) -> dict:
    """Score distribution per criterion over every reply (or the hand-labelled ones), and agreement with them.

    The platform checks with an unfitted checker (uniform bigram weights); `fit_idf` fits IDF on the data first.
    """
    rows = _read_rows(Path(data_dir))
    gold_rows = _read_gold(gold_dir)
    checker = checker or ReplyChecker()
    if fit_idf and not hasattr(checker, "idf_"):
        messages = [join_text(r.get("title", ""), r.get("body", "")) for r in rows]
        checker.fit(messages + [r.get("reply", "") for r in rows])
    if gold_only:
        wanted = {g["id"] for g in gold_rows}
        rows = [r for r in rows if str(r["id"]) in wanted]
    checks = {}
    for r in rows:
        start, end = _parse_time(r.get("time", "")), _parse_time(r.get("reply_time", ""))
        days = count_workdays(start, end) if start and end else None
        checks[str(r["id"])] = checker.check(
            join_text(r.get("title", ""), r.get("body", "")), r.get("reply", ""), workdays=days
        )
    distribution = {c: {v: sum(ch[c].verdict == v for ch in checks.values()) for v in VERDICTS} for c in CRITERIA}
    result: dict = {"n": len(rows), "distribution": distribution, "agreement": {}}
    gold = [g for g in gold_rows if g["id"] in checks]
    if gold:
        for c in CRITERIA:
            pairs = [(g["label"], checks[g["id"]][c].verdict) for g in gold if g["criterion"] == c]
            truth, pred = [p[0] for p in pairs], [p[1] for p in pairs]
            result["agreement"][c] = {
                "n": len(pairs),
                "accuracy": sum(t == p for t, p in pairs) / max(len(pairs), 1),
                "kappa": _cohen_kappa(truth, pred),
                "confusion": {t: {p: sum(x == (t, p) for x in pairs) for p in VERDICTS} for t in VERDICTS},
            }
    return result


def format_evaluation(result: dict) -> str:
    """The evaluation as a plain-text table."""
    lines = [f"replies: {result['n']}", "criterion      pass   warn   fail"]
    for c, counts in result["distribution"].items():
        lines.append(f"{c:<13}" + "".join(f"{counts[v]:>7}" for v in VERDICTS))
    if result["agreement"]:
        lines.append("agreement with the hand labels (rows = hand label, columns = checker: pass warn fail)")
        for c, a in result["agreement"].items():
            conf = " | ".join(" ".join(str(a["confusion"][t][p]) for p in VERDICTS) for t in VERDICTS)
            lines.append(f"{c:<13} n={a['n']} accuracy={a['accuracy']:.2f} kappa={a['kappa']:.2f}  [{conf}]")
    return "\n".join(lines)


if __name__ == "__main__":  # python -m minyi.nlp.reply_quality [DATA_DIR] [GOLD_DIR] [--fit-idf]
    import sys

    args = [a for a in sys.argv[1:] if a != "--fit-idf"]
    print(
        format_evaluation(
            evaluate(
                args[0] if args else "../shared/data/teddycup2020",
                args[1] if len(args) > 1 else "gold",
                fit_idf="--fit-idf" in sys.argv,
            )
        )
    )
