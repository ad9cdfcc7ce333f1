"""Settings read from the environment."""

from __future__ import annotations

import pytest

from minyi.core.settings import load_settings


def test_trusted_proxies_default_to_none(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    monkeypatch.setenv("MINYI_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("MINYI_TRUSTED_PROXIES", raising=False)
    assert load_settings().trusted_proxies == ()


def test_trusted_proxies_are_addresses_and_networks(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    monkeypatch.setenv("MINYI_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("MINYI_TRUSTED_PROXIES", " 127.0.0.1, 10.0.0.0/8,::1 ,")
    assert load_settings().trusted_proxies == ("127.0.0.1/32", "10.0.0.0/8", "::1/128")


def test_a_bad_proxy_entry_stops_the_start(monkeypatch: pytest.MonkeyPatch, tmp_path: object) -> None:
    monkeypatch.setenv("MINYI_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("MINYI_TRUSTED_PROXIES", "127.0.0.1,localhost")
    with pytest.raises(ValueError, match="MINYI_TRUSTED_PROXIES"):
        load_settings()
