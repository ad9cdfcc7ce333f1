"""What must be read before it goes on the public board: abuse and personal accusations, not criticism."""

from __future__ import annotations

import pytest

from minyi.nlp.moderation import ABUSE, ACCUSATION, review_flags


@pytest.mark.parametrize(
    ("text", "flags"),
    [
        ("G4县计生局局长李进特敛财方式五花八门", [ACCUSATION]),
        ("村支书王某某贪污扶贫款，群众敢怒不敢言", [ACCUSATION]),
        ("王局长包养情妇，大家都知道", [ACCUSATION]),
        ("我们村的李书记带头强拆，还打人", [ACCUSATION]),
        ("这帮狗官就知道收钱不办事", [ABUSE]),
        ("物业经理张某某是个骗子，你们这些王八蛋", [ABUSE, ACCUSATION]),
        # criticism of an office, strong words about a situation, crimes without a person: no review needed
        ("举报J1区城管执法支队管理混乱，任人唯亲", []),
        ("路灯坏了两周了，真是气死人了", []),
        ("希望政府加大力度打击电信诈骗", []),
        ("小区物业乱收费，请有关部门查处", []),
        ("尊敬的胡书记：您好！小区开发商挪用维修基金，业主多次反映无果", []),  # the addressee is no one accused
        ("郭书记你好！谭某某强占宅基地，组织黑恶势力打人", [ACCUSATION]),  # ... the one after is
        ("", []),
    ],
)
def test_review_flags(text: str, flags: list[str]) -> None:
    assert review_flags(text) == flags
