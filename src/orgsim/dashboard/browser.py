"""The Chromium the browser tests drive: find it, or bring it onto the machine.

``python -m orgsim.dashboard.browser --install`` (``make test`` runs it) makes sure there is one,
trying in order:

1. a browser already there: ``$ORGSIM_CHROMIUM``, ``/usr/bin/chromium``, ``chromium`` or
   ``chromium-browser`` on the PATH, or Playwright's own download from an earlier run;
2. the distribution's package, where this user may install it: ``apt-get install chromium`` as
   root or with ``sudo -n`` (Debian; about 30 s);
3. Playwright's own browser build, ``python -m playwright install chromium`` (needs the
   download host of Playwright's browsers to be reachable).

It prints the executable's path; tests/test_dashboard_browser.py calls :func:`find` for it. A
failure is one line on stderr and exit code 2.
"""

from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
from pathlib import Path

#: where Debian and most distributions put their Chromium
SYSTEM_PATHS = ("/usr/bin/chromium", "/usr/bin/chromium-browser")
NAMES = ("chromium", "chromium-browser")
#: the Debian package
APT_PACKAGE = "chromium"


class BrowserError(RuntimeError):
    """No browser could be found or installed (one line)."""


def _executable(path: str | os.PathLike[str] | None) -> str | None:
    if path and Path(path).is_file() and os.access(path, os.X_OK):
        return str(path)
    return None


def playwright_chromium() -> str | None:
    """The path of Playwright's own Chromium if it has been downloaded (None otherwise)."""
    try:
        from playwright.sync_api import Error, sync_playwright
    except ImportError:  # the dev extra is not installed
        return None
    try:
        with sync_playwright() as p:
            return _executable(p.chromium.executable_path)
    except Error:
        return None


def system_chromium() -> str | None:
    """``$ORGSIM_CHROMIUM``, then the system's Chromium (None if there is none)."""
    env = os.environ.get("ORGSIM_CHROMIUM")
    if env:
        return _executable(env)  # a named browser that is not there is not replaced by another
    for path in SYSTEM_PATHS:
        if _executable(path):
            return path
    for name in NAMES:
        found = shutil.which(name)
        if found:
            return found
    return None


def find() -> str | None:
    """The Chromium to drive: the system's, else Playwright's download; None if neither."""
    return system_chromium() or playwright_chromium()


def _run(cmd: list[str], quiet: bool) -> bool:
    if not quiet:
        print("+ " + " ".join(cmd), file=sys.stderr)
    try:
        done = subprocess.run(
            cmd,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL if quiet else None,
            stderr=subprocess.DEVNULL if quiet else None,
            env={**os.environ, "DEBIAN_FRONTEND": "noninteractive"},
            check=False,
            timeout=1800,
        )
    except (OSError, subprocess.TimeoutExpired):
        return False
    return done.returncode == 0


def _apt_prefix() -> list[str] | None:
    """How this user may run apt-get: directly as root, through ``sudo -n``, or not at all."""
    if shutil.which("apt-get") is None:
        return None
    if os.geteuid() == 0:
        return []
    sudo = shutil.which("sudo")
    if sudo and _run([sudo, "-n", "true"], quiet=True):
        return [sudo, "-n"]
    return None


def install(quiet: bool = False) -> str:
    """Make sure a Chromium is there (see the module's docstring); returns its path."""
    found = system_chromium()
    if found:
        return found
    if os.environ.get("ORGSIM_CHROMIUM"):
        raise BrowserError(f"ORGSIM_CHROMIUM={os.environ['ORGSIM_CHROMIUM']} is not an executable file")
    found = playwright_chromium()
    if found:
        return found
    tried = []
    prefix = _apt_prefix()
    if prefix is not None:
        if not quiet:
            print(f"installing the distribution's {APT_PACKAGE} (apt-get, about 30 s)", file=sys.stderr)
        ok = _run([*prefix, "apt-get", "update", "-qq"], quiet) and _run(
            [*prefix, "apt-get", "install", "-y", "-qq", APT_PACKAGE], quiet
        )
        found = system_chromium()
        if ok and found:
            return found
        tried.append(f"apt-get install {APT_PACKAGE} failed")
    else:
        tried.append("apt-get is not available to this user (not root, no sudo -n)")
    if not quiet:
        print("downloading Playwright's Chromium (python -m playwright install chromium)", file=sys.stderr)
    if _run([sys.executable, "-m", "playwright", "install", "chromium"], quiet):
        found = playwright_chromium()
        if found:
            return found
    tried.append("python -m playwright install chromium failed")
    raise BrowserError(
        "no Chromium for the browser tests: " + "; ".join(tried) + " (install chromium, or set ORGSIM_CHROMIUM)"
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="python -m orgsim.dashboard.browser",
        description="Print the Chromium the browser tests drive; with --install, bring one if there is none.",
    )
    parser.add_argument("--install", action="store_true", help="install one if none is found")
    parser.add_argument("--quiet", "-q", action="store_true", help="print only the path")
    args = parser.parse_args(argv)
    try:
        path = install(args.quiet) if args.install else find()
    except BrowserError as err:
        print(f"orgsim.dashboard.browser: {err}", file=sys.stderr)
        return 2
    if path is None:
        print(
            "orgsim.dashboard.browser: no Chromium found (python -m orgsim.dashboard.browser --install brings one)",
            file=sys.stderr,
        )
        return 2
    print(path)
    return 0


if __name__ == "__main__":
    sys.exit(main())
