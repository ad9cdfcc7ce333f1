"""The department-name resolver: one key for the spellings of one body, regions, towns, families, fragments."""

from __future__ import annotations

import pytest

from minyi.nlp.department_names import parse_department, same_department


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("安沙镇人民政府", "安沙镇政府"),
        ("安沙镇政府", "安莎镇政府"),  # a homophone typo
        ("A7县住房和城乡建设局", "A7县住建局"),
        ("西地省A市A7县泉塘街道办事处", "A7县泉塘街道"),
        ("A市城市管理和行政执法局", "A市城管局"),
    ],
)
def test_spellings_of_one_body_share_a_key(a: str, b: str) -> None:
    assert same_department(a, b)


@pytest.mark.parametrize(
    ("a", "b"),
    [("A7县住建局", "A3区住建局"), ("安沙镇人民政府", "黄花镇人民政府"), ("A7县教育局", "A7县住建局")],
)
def test_different_bodies_differ(a: str, b: str) -> None:
    assert not same_department(a, b)


@pytest.mark.parametrize(
    ("raw", "name", "region", "town", "family"),
    [
        ("乡镇造册上报县安监局", "县安监局", "县", "", "应急管理局"),  # a sentence fragment around the name
        ("给县教育局", "县教育局", "县", "", "教育局"),
        ("A7县安沙镇人民政府", "A7县安沙镇人民政府", "A7县", "安沙镇", "属地乡镇街道"),
        ("东湖区青山街道办事处", "东湖区青山街道办事处", "东湖区", "青山街道", "属地乡镇街道"),
        ("市场监督管理局", "市场监督管理局", "", "", "市场监管局"),  # 市场 is no region
        ("A市A3区公安局交警大队", "A市A3区公安局交警大队", "A市A3区", "", "交警"),
        ("M2县行政审批服务局", "M2县行政审批服务局", "M2县", "", ""),  # a real body of no listed family
    ],
)
def test_parts_of_a_name(raw: str, name: str, region: str, town: str, family: str) -> None:
    parsed = parse_department(raw)
    assert parsed is not None
    assert (parsed.name, parsed.region, parsed.town, parsed.family) == (name, region, town, family)
    assert parsed.handler


@pytest.mark.parametrize("raw", ["委办公室", "于高考培训中心是高三复读培训中心", "安排杨家桥大队", "局", "", "我局"])
def test_what_is_no_name(raw: str) -> None:
    assert parse_department(raw) is None


def test_operators_answer_nothing() -> None:
    for raw in ("A市电子政务管理办公室", "A7县网络宣传管理办公室", "市长热线办公室"):
        parsed = parse_department(raw)
        assert parsed is not None and not parsed.handler
