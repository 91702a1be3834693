"""The browser-test set-up's rules for a missing Chromium: install as root, else skip, but fail with CI=true."""

from __future__ import annotations

import importlib.util
import subprocess
from pathlib import Path
from types import ModuleType
from typing import Any

import pytest


def _load() -> ModuleType:
    spec = importlib.util.spec_from_file_location("browser_setup", Path(__file__).parent / "conftest.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.fixture
def setup(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> ModuleType:
    module = _load()
    monkeypatch.setattr(module, "CHROMIUM", str(tmp_path / "chromium"))
    monkeypatch.delenv("CI", raising=False)
    return module


def test_present_chromium_is_used(setup: ModuleType, tmp_path: Path) -> None:
    (tmp_path / "chromium").write_text("")
    assert setup.ensure_chromium() == str(tmp_path / "chromium")


def test_missing_chromium_skips_when_not_root(setup: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(setup.os, "geteuid", lambda: 1000)
    with pytest.raises(pytest.skip.Exception, match="apt-get install chromium"):
        setup.ensure_chromium()


def test_missing_chromium_fails_in_ci(setup: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(setup.os, "geteuid", lambda: 1000)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="CI=true requires them"):
        setup.ensure_chromium()


def test_root_installs_chromium_with_apt(setup: ModuleType, monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    calls: list[list[str]] = []

    def fake_run(cmd: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        calls.append(cmd)
        if cmd[:2] == ["apt-get", "install"]:
            (tmp_path / "chromium").write_text("")
        return subprocess.CompletedProcess(cmd, 0, "", "")

    monkeypatch.setattr(setup.os, "geteuid", lambda: 0)
    monkeypatch.setattr(setup.shutil, "which", lambda name: "/usr/bin/apt-get")
    monkeypatch.setattr(setup.subprocess, "run", fake_run)
    assert setup.ensure_chromium() == str(tmp_path / "chromium")
    assert calls == [["apt-get", "install", "-y", "chromium"]]


def test_root_retries_after_apt_update_then_reports_failure(setup: ModuleType, monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[list[str]] = []

    def fake_run(cmd: list[str], **kwargs: Any) -> subprocess.CompletedProcess[str]:
        calls.append(cmd)
        code = 0 if cmd[:2] == ["apt-get", "update"] else 100
        return subprocess.CompletedProcess(cmd, code, "", "E: Unable to locate package chromium")

    monkeypatch.setattr(setup.os, "geteuid", lambda: 0)
    monkeypatch.setattr(setup.shutil, "which", lambda name: "/usr/bin/apt-get")
    monkeypatch.setattr(setup.subprocess, "run", fake_run)
    monkeypatch.setenv("CI", "true")
    with pytest.raises(pytest.fail.Exception, match="Unable to locate package chromium"):
        setup.ensure_chromium()
    assert [c[:2] for c in calls] == [["apt-get", "install"], ["apt-get", "update"], ["apt-get", "install"]]
