"""`minyi serve`: uvicorn must not rewrite the client from X-Forwarded-For (the app decides, finding 12)."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
import uvicorn
from click.testing import CliRunner

from minyi.cli import main
from minyi.core import settings as settings_module
from minyi.web.state import app_state


def test_serve_leaves_forwarded_headers_to_the_app(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("MINYI_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("MINYI_TRUSTED_PROXIES", "10.0.0.1")
    monkeypatch.delenv("MINYI_DATABASE_URL", raising=False)
    calls: list[dict[str, Any]] = []
    monkeypatch.setattr(uvicorn, "run", lambda app, **kw: calls.append(kw | {"app": app}))
    settings_module.get_settings.cache_clear()
    try:
        result = CliRunner().invoke(main, ["serve", "--port", "8123"])
    finally:
        settings_module.get_settings.cache_clear()
    assert result.exit_code == 0, result.output
    assert calls and calls[0]["proxy_headers"] is False and calls[0]["port"] == 8123
    assert app_state(calls[0]["app"]).settings.trusted_proxies == ("10.0.0.1/32",)
