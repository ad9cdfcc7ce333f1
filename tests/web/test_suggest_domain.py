"""The staff suggestion partial shows the domain with its confidence, or that the model abstained (issue 12)."""

from __future__ import annotations

from types import SimpleNamespace

from minyi.web.templating import env


def _render(result: dict) -> str:
    analysis = SimpleNamespace(result=result, error=None, urgent=False)
    return env.get_template("staff/_suggest.html").render(a=analysis, accept_case=None, csrf_token="t")


def test_domain_is_shown_with_its_confidence() -> None:
    html = _render({"domain": "城乡建设", "domain_scores": {"城乡建设": 0.873, "环境保护": 0.127}})
    assert "领域：城乡建设（置信度 87%）" in html


def test_an_abstained_domain_asks_staff_to_choose() -> None:
    html = _render({"domain": None, "domain_scores": {"城乡建设": 0.31, "环境保护": 0.29}})
    assert "领域：其他/无法判断，请人工选择" in html


def test_no_domain_model_shows_no_domain() -> None:
    assert "领域" not in _render({"domain": None, "domain_scores": {}})
