"""Compiled entry points: numba (``cache=True``, ``nogil=True``) unless switched off (no mesa import).

A kernel is a plain function that calls the rules (``register_jitable`` functions); numba compiles
it and them into one machine-code function on first use and caches it on disk. With
``ORGSIM_NO_NUMBA=1`` in the environment (read at each call, so tests can switch it) the same
function runs as plain Python, calling the same rules: one implementation, two ways to run it.

numba's cache checks only the kernel's own file, not the rules it inlines from other files, so the
cache lives in a folder named by a hash of every source file of :mod:`orgsim.model`: a rule changed
anywhere in the model is compiled anew, never served stale.
"""

from __future__ import annotations

import functools
import hashlib
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent


def enabled() -> bool:
    """Whether kernels run compiled."""
    return os.environ.get("ORGSIM_NO_NUMBA", "") in ("", "0")


@functools.cache
def cache_dir() -> Path:
    """Where numba caches this model's kernels: one folder per version of the model's sources."""
    h = hashlib.sha256()
    for path in sorted(HERE.rglob("*.py")):
        h.update(path.relative_to(HERE).as_posix().encode())
        h.update(path.read_bytes())
    name = f"numba-{h.hexdigest()[:16]}"
    if os.access(HERE, os.W_OK):
        return HERE / "__pycache__" / name
    return Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache") / "orgsim" / name


class Kernel:
    """A function run compiled (numba) or, with ORGSIM_NO_NUMBA=1, as the plain Python it is."""

    def __init__(self, fn: Callable[..., Any]) -> None:
        functools.update_wrapper(self, fn)
        self.py_func = fn
        self._compiled: Any = None

    def compiled(self) -> Any:
        if self._compiled is None:
            import numba
            from numba.core import config

            previous = config.CACHE_DIR
            try:
                config.CACHE_DIR = str(cache_dir())
                self._compiled = numba.njit(cache=True, nogil=True)(self.py_func)
            finally:
                config.CACHE_DIR = previous
        return self._compiled

    def __call__(self, *args: Any) -> Any:
        if not enabled():
            return self.py_func(*args)
        return self.compiled()(*args)

    def __reduce__(self) -> tuple[Any, ...]:  # pickled by reference, like the function it wraps
        return (_kernel_by_name, (self.__module__, self.__qualname__))


def _kernel_by_name(module: str, name: str) -> Kernel:
    import importlib

    return getattr(importlib.import_module(module), name)


def kernel(fn: Callable[..., Any]) -> Kernel:
    """Decorator: ``fn`` as a :class:`Kernel`."""
    return Kernel(fn)
