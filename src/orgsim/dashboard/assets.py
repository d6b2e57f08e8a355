"""Fill Solara's CDN cache from the npm registry, so the dashboard renders without internet.

Solara's server fetches the page's front-end files (Vue/Vuetify app, RequireJS, Font Awesome,
grid layout, Vega) from a public CDN at run time and caches them in a folder; with no internet the
page stays blank. ``python -m orgsim.dashboard.assets`` fills that folder once with ``npm pack``
(the npm tarball holds the same files the CDN serves), reading the packages and versions from
the installed solara's own files. Packages already present are skipped.

The folder is ``$SOLARA_ASSETS_PROXY_CACHE_DIR`` if set, else ``<venv>/share/solara/cdn`` (the
default of solara's ``assets.proxy_cache_dir``). Errors are one line and exit code 2.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import re
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

#: ``{{cdn}}/name@version/`` in templates, ``${this.getCdn()}/name@version/`` in Vue files,
#: ``/name@version/`` in solara's settings (Font Awesome)
_REF = re.compile(r"(?:\{\{\s*cdn\s*\}\}|getCdn\(\)\}|fontawesome_path: str = \")/((?:@[\w.-]+/)?[\w.-]+)@([\w.-]+)/")

#: solara files that name the CDN packages the page (and Mesa's SolaraViz) loads
_SOURCES = (
    "server/templates/solara.html.j2",
    "server/settings.py",
    "widgets/vue/*.vue",
    "components/*.py",
    "components/*.vue",
)


class AssetError(RuntimeError):
    """A one-line problem filling the cache."""


def cache_dir() -> Path:
    """The folder solara's server reads cached CDN files from."""
    env = os.environ.get("SOLARA_ASSETS_PROXY_CACHE_DIR")
    return Path(env) if env else Path(sys.prefix) / "share" / "solara" / "cdn"


def _major(dist: str) -> int:
    try:
        return int(importlib.metadata.version(dist).split(".")[0])
    except importlib.metadata.PackageNotFoundError:
        return 0


def required_packages(solara_dir: Path | None = None) -> list[tuple[str, str]]:
    """(npm name, version) pairs named by the installed solara's template, settings and Vue files.

    Packages for Vuetify 3 are left out unless ipyvuetify 3 is installed (the page loads one app).
    """
    if solara_dir is None:
        import solara

        solara_dir = Path(solara.__file__).resolve().parent
    vuetify3 = _major("ipyvuetify") >= 3
    found: dict[tuple[str, str], None] = {}
    for pattern in _SOURCES:
        for path in sorted(solara_dir.glob(pattern)):
            for name, version in _REF.findall(path.read_text(encoding="utf-8", errors="replace")):
                if "vuetify3" in name and not vuetify3:
                    continue
                found[(name, version)] = None
    if not found:
        raise AssetError(f"no CDN packages found in {solara_dir} (unexpected solara layout)")
    return list(found)


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


def fill(target: Path | None = None, quiet: bool = False) -> list[str]:
    """Download every missing package into ``target``; returns the names fetched."""
    target = target or cache_dir()
    packages = required_packages()
    missing = [(n, v) for n, v in packages if not (target / f"{n}@{v}").is_dir()]
    if not missing:
        if not quiet:
            print(f"solara front-end files: all {len(packages)} packages present in {target}")
        return []
    npm = shutil.which("npm")
    if npm is None:
        raise AssetError("npm not found: install Node.js/npm to fetch the dashboard's front-end files")
    fetched = []
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
