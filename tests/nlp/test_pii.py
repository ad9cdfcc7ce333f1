"""find_pii / mask_pii: true positives, look-alikes that are not personal data, bad input."""

from __future__ import annotations

import pytest

from minyi.nlp.pii import PiiMatch, find_pii, id_checksum_ok, luhn_ok, mask_pii

_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)


def make_id(first17: str) -> str:
    """An 18-character ID with the right GB 11643 check character."""
    return first17 + "10X98765432"[sum(int(d) * w for d, w in zip(first17, _WEIGHTS, strict=True)) % 11]


def make_card(prefix: str) -> str:
    """`prefix` plus the digit that makes it pass the Luhn check."""
    return next(prefix + d for d in "0123456789" if luhn_ok(prefix + d))


VALID_ID = make_id("43010219900307123")
VALID_ID_X = "11010519491231002X"  # the example in GB 11643
CARD_16 = make_card("622202123456789")
CARD_19 = make_card("621700123456789012")


def kinds(text: str) -> list[tuple[str, str]]:
    return [(m.kind, m.text) for m in find_pii(text)]


# --- helpers ----------------------------------------------------------------------------------------


def test_id_checksum_and_luhn_helpers() -> None:
    assert id_checksum_ok("11010519491231002X")  # the standard's own example
    assert not id_checksum_ok("110105194912310021")
    assert luhn_ok("4111111111111111")
    assert not luhn_ok("4111111111111112")


# --- true positives ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("电话13812345678，", ("mobile", "13812345678")),
        ("联系+86 138 1234 5678谢谢", ("mobile", "+86 138 1234 5678")),
        ("手机：199-0000-1111。", ("mobile", "199-0000-1111")),
        ("座机0731-88886666", ("landline", "0731-88886666")),
        ("请拨(010)62345678咨询", ("landline", "(010)62345678")),
        ("致电：0736－7258509。", ("landline", "0736－7258509")),
        (f"身份证号{VALID_ID}，", ("id_card", VALID_ID)),
        (f"身份证{VALID_ID_X.lower()}", ("id_card", VALID_ID_X.lower())),
        (f"卡号{CARD_16}", ("bank_card", CARD_16)),
        (f"工资卡{CARD_19}。", ("bank_card", CARD_19)),
        (
            f"卡号 {CARD_16[:4]} {CARD_16[4:8]} {CARD_16[8:12]} {CARD_16[12:]}",
            ("bank_card", " ".join(CARD_16[i : i + 4] for i in range(0, 16, 4))),
        ),
        ("邮箱zhang.san@qq.com，", ("email", "zhang.san@qq.com")),
        ("发到 li_si+gov@mail.example.com.cn 即可", ("email", "li_si+gov@mail.example.com.cn")),
        ("车牌湘A12345的车", ("plate", "湘A12345")),
        ("车牌湘A·12345", ("plate", "湘A·12345")),
        ("新能源车粤BD12345乱停", ("plate", "粤BD12345")),
        ("货车湘A12345F超载", ("plate", "湘A12345F")),
        ("教练车湘A1234学", ("plate", "湘A1234学")),
    ],
)
def test_personal_data_is_found(text: str, expected: tuple[str, str]) -> None:
    assert kinds(text) == [expected]


def test_positions_point_at_the_text() -> None:
    text = f"我叫张三，电话13812345678，身份证{VALID_ID}，邮箱a@b.cn"
    matches = find_pii(text)
    assert [m.kind for m in matches] == ["mobile", "id_card", "email"]
    assert all(text[m.start : m.end] == m.text for m in matches)
    assert all(isinstance(m, PiiMatch) for m in matches)


# --- false positives --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "430102199003071230",  # 18 digits, wrong check character
        make_id("43010219900230123"),  # right check character, but born on 30 February
        make_id("43010230000101123"),  # born in the future
        "6222021234567890",  # 16 digits failing Luhn: an order number, not a card
        f"订单号{CARD_16}",  # passes Luhn, but it is labelled as an order number
        "运单编号：" + CARD_19,
        "12345678901234567890123",  # too long for anything
        "金额13800000000元",  # an amount
        "面积13812345678.5平方米",  # a measure
        "订单号13812345678",  # a reference
        "2019年4月25日 09:32:09",  # dates and times
        "时间：2019-04-25，电话区号0731",
        "400-800-8888",  # a service number, no area code
        "0731-1234",  # too short
        "138123456789",  # 12 digits
        "邮箱0000-********@qq.com",  # already anonymised
        "a@b",  # no domain
        "A市A2区",  # anonymised place names
        "湘AI2345",  # plates have no I
        "西地省A市",
    ],
)
def test_look_alikes_are_not_personal_data(text: str) -> None:
    assert find_pii(text) == []


def test_id_wins_over_card_and_phone_on_the_same_digits() -> None:
    assert [m.kind for m in find_pii(f"号码{VALID_ID}")] == ["id_card"]


# --- masking ----------------------------------------------------------------------------------------


def test_mask_pii_stars_out_each_kind() -> None:
    text = f"电话13812345678，座机0731-88886666，身份证{VALID_ID}，卡{CARD_16}，邮箱zhangsan@qq.com，车湘A12345"
    masked = mask_pii(text)
    assert "138****5678" in masked
    assert "0731-******66" in masked
    assert f"430{'*' * 13}{VALID_ID[-2:]}" in masked
    assert "*" * 12 + CARD_16[-4:] in masked
    assert "z*******@qq.com" in masked
    assert "湘A****5" in masked
    assert find_pii(masked) == []


def test_mask_keeps_text_without_personal_data() -> None:
    text = "小区门口的路灯坏了，2019年4月25日报修，金额13800000000元。"
    assert mask_pii(text) == text


# --- bad input --------------------------------------------------------------------------------------


@pytest.mark.parametrize("text", ["", " ", "😀😀", "only English, no numbers", "\x00\x01\x02"])
def test_empty_and_odd_input(text: str) -> None:
    assert find_pii(text) == []
    assert mask_pii(text) == text


@pytest.mark.parametrize("value", [None, b"13812345678", 13812345678])
def test_non_str_is_a_type_error(value: object) -> None:
    with pytest.raises(TypeError, match="expects str"):
        find_pii(value)  # type: ignore[arg-type]
    with pytest.raises(TypeError, match="expects str"):
        mask_pii(value)  # type: ignore[arg-type]


def test_one_megabyte_of_digits_and_text() -> None:
    unit = "电话13812345678，订单6222021234567890，"
    text = unit * (1_000_000 // len(unit))
    matches = find_pii(text)
    assert len(matches) == text.count("13812345678")
    assert "13812345678" not in mask_pii(text)


def test_full_width_digits_are_found_too() -> None:
    assert kinds("电话１３８１２３４５６７８") == [("mobile", "１３８１２３４５６７８")]
