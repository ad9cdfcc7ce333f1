"""normalize(): one fixed tiny example per repair, bad input, and the real seed page."""

from __future__ import annotations

import json
import random
import re
from collections import Counter
from difflib import SequenceMatcher

import opencc
import pytest

from minyi.nlp.normalize import Normalized, Repair, clean_message_text, normalize

TONED = re.compile("[āáǎàēéěèīíǐìōóǒòūúǔùǖǘǚǜ]")
T2S = opencc.OpenCC("t2s")


# --- one repair at a time -------------------------------------------------------------------------


def test_plain_message_is_left_alone() -> None:
    result = normalize("小区门口的路灯坏了，晚上很黑，请尽快修理。")
    assert result == Normalized("小区门口的路灯坏了，晚上很黑，请尽快修理。", (), ())


def test_whitespace_runs_of_the_shared_data() -> None:
    result = normalize("\n\t\t\t\t\t\n\t\t\t\t\t路灯坏了。\n\t\t\t\t\t\n\t\t\t\t")
    assert result.text == "路灯坏了。"
    assert result.kinds == ("whitespace",)


def test_ideographic_indent_inside_a_line_starts_a_paragraph() -> None:
    assert normalize("尊敬的领导：\u3000\u3000您好！").text == "尊敬的领导：\n您好！"


def test_invisible_characters_are_removed() -> None:
    assert normalize("路\u200b灯\ufeff坏了").text == "路灯坏了"


def test_full_width_letters_and_digits_become_ascii_but_chinese_punctuation_stays() -> None:
    result = normalize("Ａ市１２３号，缴费５％！")
    assert result.text == "A市123号，缴费5%！"
    assert result.kinds == ("width",)


def test_narrowed_chinese_punctuation_between_han_is_widened() -> None:
    assert normalize("路灯坏了,很黑!怎么办?").text == "路灯坏了，很黑！怎么办？"
    assert normalize("共1,000元, OK!").text == "共1,000元，OK!"
    assert normalize("您好， 我想反映。 谢谢").text == "您好，我想反映。谢谢"


def test_traditional_becomes_simplified() -> None:
    result = normalize("當前位置：網絡問政")
    assert result.text == "当前位置：网络问政"
    assert result.kinds == ("t2s",)


def test_injected_pinyin_is_removed() -> None:
    result = normalize("當(dāng)前位置(zhì)")
    assert result.text == "当前位置"
    assert result.kinds == ("pinyin", "t2s")


def test_latin_words_in_brackets_are_not_pinyin() -> None:
    for text in ("世界卫生组织(WHO)发布", "第(a)项", "缴费(yuan)标准"):
        assert normalize(text).text == text


def test_misaligned_gbk_span_is_repaired() -> None:
    result = normalize("凡益之道,與時偕行!比罕娫谀膬,黨員干部就該往哪兒去。")
    assert result.text == "凡益之道，与时偕行。”群众在哪儿，党员干部就该往哪儿去。"
    assert "gbk_shift" in result.kinds
    assert result.flags == ()


def test_readme_gbk_example_is_repaired_as_far_as_its_bytes_go_and_flagged() -> None:
    result = normalize("比罕娫谀膬海h員干部")
    assert "群众在哪儿" in result.text
    assert "gbk_shift_truncated" in result.flags


def test_shifted_traditional_after_a_list_comma_is_repaired() -> None:
    # 、 (0xA1A2) shifted turns into a list sign glued after Han; GBK trail bytes leave Latin letters
    result = normalize("小区路面⑵桨咫娔X坏了")
    assert result.text == "小区路面、平板电脑坏了"
    assert Repair("gbk_shift", "'⑵桨咫娔X' -> '、平板電腦'") in result.repairs


def test_utf8_read_as_gbk_is_repaired() -> None:
    result = normalize("鎴戜滑鐨勯棶棰樻槸")
    assert result.text == "我们的问题是"
    assert result.kinds == ("utf8_as_gbk",)


def test_utf8_read_as_latin1_is_repaired_by_ftfy() -> None:
    result = normalize("路灯坏了，请修理".encode().decode("latin-1"))
    assert result.text == "路灯坏了，请修理"
    assert "ftfy" in result.kinds


def test_rare_but_real_characters_are_not_mojibake() -> None:
    for text in ("我叫王喆，住在埇桥区。", "机器咔咔咔地响，嗲嗲娭毑睡不着。", "鑫天鑫城小区的鸬鹚"):
        result = normalize(text)
        assert result.text == text
        assert not {"gbk_shift", "utf8_as_gbk"} & set(result.kinds)


@pytest.mark.parametrize("text", ["革命战争时期ブ焱は群笥行す夂＊ヅ砉墼频27位", "大家都希望⒚さ酪琅f能修好。"])
def test_garbled_span_that_cannot_be_repaired_is_flagged(text: str) -> None:
    result = normalize(text)
    assert result.text == clean_message_text(text)
    assert "gbk_suspect" in result.flags


def test_spam_domain_is_removed_but_an_ordinary_link_stays() -> None:
    result = normalize("详见 www.88886666.com 领取，政策原文见https://www.gov.cn/zhengce/")
    assert "88886666" not in result.text
    assert "https://www.gov.cn/zhengce/" in result.text
    assert Repair("spam_link", "www.88886666.com") in result.repairs


def test_email_is_not_a_link() -> None:
    assert normalize("邮箱abc@qq.com").text == "邮箱abc@qq.com"


# --- web pages --------------------------------------------------------------------------------------

PAGE_TEXT = """首页 | 新闻 | 评论
分享到：微信 微博
小区加装电梯的新办法
李四
//12345678.net 2020-05-01 来源：某某日报
各地在老旧小区加装电梯时，常常遇到低层住户反对、资金难筹的问题，基层干部要多听群众意见，耐心协调。
一些社区把议事会开到楼道里，请住户一起算账，一起商量方案，许多难题在商量中得到了解决，群众很满意。
相关阅读
另一篇文章的标题
这是另一篇文章的开头，讲的是别的事情，只显示了前面一小段文字，后面的内容被截断了……
扫一扫 关注我们
某某网微信
版权所有 © 2020 某某网
"""


def test_plain_text_page_keeps_the_article_only() -> None:
    result = normalize(PAGE_TEXT)
    lines = result.text.split("\n")
    assert lines[:3] == ["小区加装电梯的新办法", "李四", "2020-05-01 来源：某某日报"]
    assert lines[-1].startswith("一些社区把议事会开到楼道里")
    for gone in ("分享到", "扫一扫", "微信", "版权", "另一篇", "12345678"):
        assert gone not in result.text
    assert {"boilerplate", "spam_link"} <= set(result.kinds)


PAGE_HTML = """<!DOCTYPE html><html><head><meta charset="utf-8"><title>小区加装电梯的新办法</title></head>
<body><div class="nav"><a href="/">首页</a> | <a href="/news">新闻</a></div>
<article><h1>小区加装电梯的新办法</h1>
<div class="share">分享到：<a href="#">微信</a> <a href="#">微博</a> 扫一扫 二维码</div>
<p>各地在老旧小区加装电梯时，常常遇到低层住户反对、资金难筹的问题，基层干部要多听群众意见，耐心协调，
把好事办好。</p>
<p>一些社区把议事会开到楼道里，请住户一起算账，一起商量方案，许多难题在商量中得到了解决，群众很满意。</p>
</article>
<div class="qr"><img src="qr.png">扫码关注某某网微信</div>
<footer>版权所有 某某网 京ICP备12345678号</footer><script>var tracking = 1;</script></body></html>"""


@pytest.mark.parametrize("is_html", [True, None])
def test_html_page_main_content_is_extracted(is_html: bool | None) -> None:
    result = normalize(PAGE_HTML, is_html=is_html)
    assert result.text.startswith("小区加装电梯的新办法")
    assert "一些社区把议事会开到楼道里" in result.text
    assert "耐心协调，把好事办好" in result.text
    for gone in ("首页", "分享到", "扫码", "二维码", "ICP", "tracking", "<"):
        assert gone not in result.text
    assert result.kinds[0] == "html_extract"


def test_html_is_not_parsed_when_the_caller_says_it_is_not_html() -> None:
    result = normalize("公式 a<b 且 <p>不是网页</p>", is_html=False)
    assert "html_extract" not in result.kinds
    assert "<p>" in result.text


# --- bad input ------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", "   ", "\n\t\t\n", "\u3000\u3000"])
def test_empty_and_blank_input(text: str) -> None:
    assert normalize(text).text == ""
    assert clean_message_text(text) == ""


@pytest.mark.parametrize("value", [None, b"\xe4\xbd\xa0", 42, ["文本"]])
def test_non_str_is_a_clear_type_error(value: object) -> None:
    with pytest.raises(TypeError, match="expected str"):
        normalize(value)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="expected str"):
        clean_message_text(value)  # type: ignore[arg-type]


def test_bytes_error_says_to_decode() -> None:
    with pytest.raises(TypeError, match="decode"):
        normalize(b"abc")  # type: ignore[arg-type]


def test_only_emoji_and_only_english_pass_through() -> None:
    assert normalize("😀👍🎉").text == "😀👍🎉"
    assert normalize("👨\u200d👩\u200d👧").text == "👨\u200d👩\u200d👧"  # the joiner keeps the family
    english = "Hello, the street light is broken. See https://example.org/report"
    assert normalize(english) == Normalized(english, (), ())


@pytest.mark.parametrize("codec", ["latin-1", "utf-8", "gbk", "utf-16-le"])
def test_binary_bytes_decoded_badly_do_not_crash(codec: str) -> None:
    text = (bytes(range(256)) * 8).decode(codec, errors="replace")
    result = normalize(text)
    assert isinstance(result.text, str)
    assert "\x00" not in result.text
    assert result.flags


def test_lone_surrogates_are_marked_lost() -> None:
    result = normalize(b"\xff\xfe\xe4\xbd\xa0".decode("utf-8", errors="surrogateescape") + "好")
    assert result.text.endswith("你好")
    assert "replacement_char" in result.flags


def test_one_megabyte_of_text() -> None:
    unit = "\n\t\t\t小区门口的路灯坏了,晚上很黑。比罕娫谀膬當(dāng)前 www.88886666.com\u3000\u3000"
    text = unit * (1_000_000 // len(unit))
    result = normalize(text)
    assert "\t" not in result.text
    assert "當" not in result.text
    assert "gbk_suspect_many" in result.flags  # a text garbled everywhere is flagged, not searched


def test_result_is_frozen_and_repairs_are_tuples() -> None:
    result = normalize("當前")
    assert isinstance(result.repairs, tuple)
    assert isinstance(result.flags, tuple)
    with pytest.raises(AttributeError):
        result.text = "x"  # type: ignore[misc]


def test_clean_message_text_matches_normalize_on_plain_messages() -> None:
    raw = "\n\t\t\t\t\t标题\n\t\t\t\t\t２０１９年，路灯坏了,很黑\n\t\t\t\t"
    assert clean_message_text(raw) == normalize(raw).text == "标题\n2019年，路灯坏了，很黑"


# --- the shared data ------------------------------------------------------------------------------


def _seed(shared_data_dir) -> str:
    return (shared_data_dir / "seed" / "000_26ffa8f5f69bed16.txt").read_text(encoding="utf-8")


def test_seed_page_becomes_the_clean_article(shared_data_dir) -> None:
    result = normalize(_seed(shared_data_dir))
    lines = result.text.split("\n")
    assert lines[0] == "当前位置:中工网理论频道时政撷英-正文"
    assert lines[1] == "走好网上群众路线"
    paragraphs = [line for line in lines if len(line) > 40]
    assert len(paragraphs) == 7
    assert all(T2S.convert(p) == p for p in paragraphs)
    assert not TONED.search(result.text)
    assert "群众在哪儿，党员干部" in result.text
    assert lines[-1].startswith("同时，对广大网民")
    short_lines = "\n".join(line for line in lines if len(line) <= 40)
    for gone in ("分享到", "扫码", "微信", "微博", "抖音", "客户端", "×"):
        assert gone not in short_lines
    assert "零容忍" not in result.text  # the teaser of another article
    assert "8858151" not in result.text
    assert {"pinyin", "gbk_shift", "t2s", "boilerplate", "spam_link"} <= set(result.kinds)


def test_shared_messages_get_only_light_repairs(shared_data_dir) -> None:
    path = shared_data_dir / "teddycup2020" / "messages_labeled.jsonl"
    kinds: set[str] = set()
    for line in path.read_text(encoding="utf-8").splitlines():
        row = json.loads(line)
        result = normalize(row["title"] + "\n" + row["body"])
        assert result.text.startswith(row["title"].strip()[:5])
        assert "\t" not in result.text
        kinds.update(result.kinds)
    assert kinds <= {"whitespace", "width", "t2s", "spam_link"}


def _sentences(shared_data_dir, limit: int) -> list[str]:
    path = shared_data_dir / "teddycup2020" / "messages_unlabeled.jsonl"
    found: list[str] = []
    for line in path.read_text(encoding="utf-8").splitlines():
        body = re.sub(r"\s+", "", json.loads(line)["body"])
        found += [s for s in re.split(r"(?<=[。！？])", body) if 12 <= len(s) <= 60 and s.isprintable()]
    random.Random(0).shuffle(found)
    return found[:limit]


def test_gbk_repair_on_synthetic_garbles_of_real_sentences(shared_data_dir) -> None:
    """The README's garbling (drop the first GBK byte of a span) on Traditional sentences.

    Spans of 6-12 characters start at a mark of GBK row 0xA1 (、。“”《》), like the seed's. Run with
    ``pytest -s -k synthetic`` to see the shares. Clean sentences must come out untouched.
    """
    s2t, rng = opencc.OpenCC("s2t"), random.Random(1)
    outcome: Counter[str] = Counter()
    for sentence in _sentences(shared_data_dir, 3000):
        clean = normalize(sentence)
        assert not {"gbk_shift", "utf8_as_gbk"} & set(clean.kinds), sentence  # no false repair
        assert not clean.flags, sentence
        trad = s2t.convert(sentence)
        starts = [i for i, c in enumerate(trad[:-6]) if c in "、。“”《》"]
        if not starts:
            continue
        i, n = rng.choice(starts), rng.randint(6, 12)
        span = trad[i : i + n].encode("gbk")[1:].decode("gbk", "ignore")
        ops = SequenceMatcher(None, trad[i : i + n], span, autojunk=False).get_opcodes()
        if sum(j2 - j1 for op, _, _, j1, j2 in ops if op != "equal") < 4:
            continue  # the decoder soon fell back in step: too little garbled to tell from text
        result = normalize(trad[:i] + span + trad[i + n :])
        repaired = {"gbk_shift", "utf8_as_gbk"} & set(result.kinds)
        exact = result.text == normalize(trad).text
        outcome["exact" if exact else "flagged" if result.flags else "partly" if repaired else "missed"] += 1
    total = sum(outcome.values())
    print({k: f"{v / total:.0%}" for k, v in outcome.items()}, f"n={total}")
    assert total > 100
    assert (outcome["exact"] + outcome["partly"] + outcome["flagged"]) / total >= 0.5


NEAR_PLAIN = [
    "小区门口路灯坏了",
    "关于A市西地省K8县道路维修的建议",
    "噪音扰民，请尽快处理！谢谢。",
    "第一行\n第二行",
    "當前小区路灯坏了",  # Traditional
    "当(dāng)前小区",  # injected pinyin
    "当（dāng）前小区",  # injected pinyin in full-width brackets
    "世卫组织(WHO)发布（第2号）通知：50%-60%",  # brackets and ASCII signs that stay
    "A&amp;B小区",  # an HTML entity
    "小区面积１００％",  # a full-width percent sign
    "详见www.spam-example.com小区",  # a link
    "ＡＢＣ小区１２３",  # full-width letters and digits
    "小区,路灯坏了!",  # narrowed Chinese punctuation
    "锟斤拷小区",  # lost encoding
    "小区\u200b路灯",  # invisible character
    "  小区路灯  \n\n\t坏了 ",  # spacing only
    "首页\n新闻中心\n扫一扫分享\n小区路灯坏了，请处理。",  # page boilerplate lines
    "<p>小区路灯坏了</p>",
    "",
]


@pytest.mark.parametrize("text", NEAR_PLAIN)
def test_plain_fast_path_gives_what_the_full_pass_gives(text: str, monkeypatch: pytest.MonkeyPatch) -> None:
    import re

    from minyi.nlp import normalize as module

    fast = module.normalize(text)
    monkeypatch.setattr(module, "_plain_pattern", lambda: re.compile("(?!)"))  # never plain: every step runs
    assert module.normalize(text) == fast


def test_plain_text_comes_back_unchanged_without_repairs() -> None:
    result = normalize("关于小区路灯维修的建议，谢谢。")
    assert result.text == "关于小区路灯维修的建议，谢谢。"
    assert result.repairs == () and result.flags == ()


def test_ideographic_indents_break_lines_exactly_as_the_lookbehind_pattern_did() -> None:
    import random
    import re

    from minyi.nlp.normalize import _break_indents

    reference = re.compile("(?<=\\S)[ \t\xa0]*\u3000{2,}[ \t\xa0\u3000]*")
    rng = random.Random(7)
    alphabet = ["\u3000", " ", "\t", "\xa0", "\n", "A", "字"]
    for _ in range(20_000):
        text = "".join(rng.choice(alphabet) for _ in range(rng.randint(0, 12)))
        assert _break_indents(text) == reference.sub("\n", text), repr(text)
    assert _break_indents("第一段。\u3000\u3000第二段") == "第一段。\n第二段"
    assert _break_indents("\u3000\u3000开头缩进") == "\u3000\u3000开头缩进"


def test_html_without_an_article_falls_back_to_the_plain_text_of_its_body() -> None:
    """trafilatura finds no text in a bare page: the selectolax (lexbor) fallback reads its body instead."""
    from minyi.nlp import _html

    assert normalize("<html><head></head><body><div></div></body></html>").text == ""  # no crash, nothing to keep
    page = "<html><body><nav>首页</nav><p>路灯坏了<script>var x = 1;</script></p></body></html>"
    assert _html._selectolax_text(page).split() == ["路灯坏了"]
