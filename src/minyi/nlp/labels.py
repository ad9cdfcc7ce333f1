"""Label sets shared by the classifiers and the platform."""

from __future__ import annotations

# Appeal kinds (诉求类型): DESIGN.md's six ways to respond, plus praise. code -> Chinese name.
APPEAL_KINDS: dict[str, str] = {
    "suggestion": "建设性意见",  # -> 吸纳 adopt
    "help": "求助",  # 困难 -> 帮助 help
    "inquiry": "咨询",  # 不了解情况 -> 宣介 explain
    "confusion": "模糊认识",  # -> 廓清 clarify
    "complaint": "投诉",  # 怨气怨言 -> 化解 resolve
    "misconception": "错误看法",  # -> 引导纠正 guide and correct
    "praise": "表扬感谢",
}
# What a citizen can say of their own message (issue 14): nobody files their own view as 模糊认识 or 错误看法 —
# those are the staff's and the model's judgements. A citizen may also leave it open (不确定: stored as "").
CITIZEN_KINDS: dict[str, str] = {
    "complaint": "投诉",
    "help": "求助",
    "suggestion": "建议",
    "inquiry": "咨询",
    "praise": "表扬",
}
UNDECIDED_KIND_NAME = "未确定"  # the kind of a message whose writer chose 不确定, until the coordinator decides

# First-level domains (领域). The first seven are those the labelled data holds.
DOMAINS: tuple[str, ...] = (
    "城乡建设",
    "环境保护",
    "交通运输",
    "教育文体",
    "劳动和社会保障",
    "商贸旅游",
    "卫生计生",
    "政法",
    "农村农业",
    "民政",
    "经济管理",
    "国土资源",
    "科技与信息产业",
    "党务政务",
    "其他",
)
