"""受理渠道: the fixed list, its check and its names."""

from __future__ import annotations

import pytest

from minyi.core.errors import ValidationFailed
from minyi.messages.channels import CHANNELS, STAFF_DEFAULT, WEBSITE, channel_field, channel_name


def test_the_list_is_the_six_channels_with_the_phone_first() -> None:
    assert list(CHANNELS.values()) == ["电话", "信件", "来访", "网站", "网络民意", "在线访谈"]
    assert STAFF_DEFAULT == next(iter(CHANNELS)) == "phone" and CHANNELS[WEBSITE] == "网站"


@pytest.mark.parametrize("value", [None, "", "电话", "PHONE", "fax", 1, ["phone"], "phone "])
def test_anything_but_a_code_of_the_list_is_refused(value: object) -> None:
    with pytest.raises(ValidationFailed, match="请选择有效的受理渠道") as caught:
        channel_field(value)
    assert caught.value.field == "channel"


def test_codes_are_accepted_and_named() -> None:
    assert [channel_field(code) for code in CHANNELS] == list(CHANNELS)
    assert channel_name("letter") == "信件" and channel_name("") == channel_name(None) == "网站"
    assert channel_name("fax") == "fax"  # an unknown stored code is shown as it is, never hidden
