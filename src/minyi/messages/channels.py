"""How a message reached us (受理渠道): a fixed list, English codes stored, Chinese names shown.

Citizens' own submissions (the web form and the API) are 网站; a coordinator enters what came by phone, letter,
in person or from online public opinion (代录入, `minyi.entry`). The order is the staff form's: 电话 first.
"""

from __future__ import annotations

from typing import Any

from minyi.core.validation import choice_field

WEBSITE = "website"
ONLINE = "online"  # 网络民意: what people said on the open web, taken up by staff (minyi.entry.case_from_web_item)
INTERVIEW = "interview"  # 在线访谈: a question left unanswered at the end of an online interview (minyi.interviews)
CHANNELS: dict[str, str] = {
    "phone": "电话",
    "letter": "信件",
    "visit": "来访",
    WEBSITE: "网站",
    ONLINE: "网络民意",
    INTERVIEW: "在线访谈",
}
STAFF_DEFAULT = "phone"  # what a coordinator most often enters


def channel_field(value: Any, *, field: str = "channel") -> str:
    """A channel code of `CHANNELS` (required), or a clear Chinese error."""
    return choice_field(value, field=field, label="受理渠道", choices=CHANNELS)


def channel_name(code: str | None) -> str:
    """The Chinese name of a stored code (an empty or unknown one reads as 网站, the default of old rows)."""
    return CHANNELS.get(code or WEBSITE, code or CHANNELS[WEBSITE])
