"""Per-session state of the dashboard: reactive values, the session's model and its worker thread.

Nothing here is created at import time: :func:`use_session` builds one :class:`Session` per
browser session (per page load: Solara gives each its own virtual kernel) the first time the page
renders, so two tabs never share a model. Long work (building or stepping a model, ensembles,
replays) runs on a :class:`Worker` thread of the session, never in the page's event handlers.
"""

from __future__ import annotations

import contextlib
import logging
import queue
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import solara

from orgsim.scenario.schema import GROUPS, ConfigError, ScenarioConfig
from orgsim.scenario.specs import ParamSpec, param_spec

log = logging.getLogger("orgsim.dashboard")

#: parameters the Run page offers, by group (bare names; the rest keep the scenario's values)
PARAM_GROUPS: dict[str, tuple[str, ...]] = {
    "environment": ("pressure", "threat", "climate", "revenue_noise"),
    "levers": ("shadow_it_cap", "governance_reach", "roi_mandate", "budget_rule", "contested_share", "budget_share"),
    "executives": tuple(GROUPS["executives"].model_fields),
    "market": ("firms", "customers", "steps"),
}
GROUP_TITLES = {
    "environment": "Environment (uncertainties)",
    "levers": "Levers (governance, mandates)",
    "executives": "Executives (dispositions)",
    "market": "Market size and run length",
}


# -- parameters ------------------------------------------------------------------------------------


def is_slider(spec: ParamSpec) -> bool:
    """A bounded float with a span up to 2 gets a slider; wider ranges get a number field."""
    return spec.kind == "float" and spec.lo is not None and spec.hi is not None and spec.hi - spec.lo <= 2.0


def slider_bounds(spec: ParamSpec, step: float = 0.01) -> tuple[float, float]:
    """The slider's ends: the declared bounds, a step inside where a bound is open."""
    lo = float(spec.lo or 0.0) + (step if spec.lo_open else 0.0)
    hi = float(spec.hi or 1.0) - (step if spec.hi_open else 0.0)
    return lo, hi


def range_label(spec: ParamSpec) -> str:
    """The allowed values as an input's label shows them (``(0, 1)``, ``contest | bargain``)."""
    if spec.kind == "choice":
        return " | ".join(str(c) for c in spec.choices)
    return spec.interval_text(lambda x: f"{x:g}")


def format_path(points: Any) -> str:
    """Keyframes [[0, 0.3], [40, 0.9]] as text ``0:0.3, 40:0.9``."""
    return ", ".join(f"{int(q)}:{float(v):g}" for q, v in points)


def parse_path(name: str, text: str) -> list[list[float]]:
    """Parse ``0:0.3, 40:0.9`` (or a single number for a constant path); one-line ConfigError if not."""
    text = text.strip()
    example = f"{name}: expected quarter:value pairs such as '0:0.3, 40:0.9' or one number"
    if not text:
        raise ConfigError(f"{example}, got nothing")
    try:
        return [[0, float(text)]]
    except ValueError:
        pass
    points = []
    for item in text.replace(";", ",").split(","):
        q, sep, v = item.partition(":")
        try:
            if not sep:
                raise ValueError
            qf = float(q)
            if qf != int(qf):
                raise ValueError
            points.append([int(qf), float(v)])
        except ValueError:
            raise ConfigError(f"{example}, got {item.strip()!r}") from None
    return points


def current_value(cfg: ScenarioConfig, name: str) -> Any:
    spec = param_spec(name)
    return getattr(getattr(cfg, spec.group), name) if spec.group else getattr(cfg, name)


# -- the worker ------------------------------------------------------------------------------------


def _current_kernel_context() -> Any:
    """The browser session's kernel context, or None without one (solara.render in tests, a
    notebook: reactive values are then global)."""
    from solara.server import kernel_context

    if not kernel_context.has_current_context():
        return None
    return kernel_context.get_current_context()


class Worker:
    """One daemon thread per session and page: jobs run in order, in the session's kernel context.

    Jobs must catch their own errors and report them in the page; an escaped exception is logged
    and turned into ``on_error(message)`` so the thread keeps serving.
    """

    def __init__(self, name: str, on_error: Callable[[str], None] | None = None) -> None:
        self._queue: queue.Queue[Callable[[], None] | None] = queue.Queue()
        self._context = _current_kernel_context()
        self._on_error = on_error
        self._idle = threading.Event()
        self._idle.set()
        self._pending = 0
        self._lock = threading.Lock()
        self._thread = threading.Thread(target=self._loop, name=f"orgsim-{name}", daemon=True)
        self._thread.start()
        if self._context is not None:
            self._context.on_close(self.stop)

    def submit(self, job: Callable[[], None]) -> None:
        with self._lock:
            self._pending += 1
            self._idle.clear()
        self._queue.put(job)

    @property
    def busy(self) -> bool:
        return not self._idle.is_set()

    def wait_idle(self, timeout: float = 60.0) -> bool:
        """Block until every submitted job has finished (tests)."""
        return self._idle.wait(timeout)

    def stop(self) -> None:
        self._queue.put(None)

    def _loop(self) -> None:
        ctx = self._context if self._context is not None else contextlib.nullcontext()
        while True:
            job = self._queue.get()
            if job is None:
                return
            try:
                with ctx:
                    job()
            except Exception as err:  # pragma: no cover - jobs catch their own errors
                # not hidden: the traceback goes to the server's log, one line to the page
                log.exception("dashboard job failed")
                if self._on_error is not None:
                    with ctx:
                        self._on_error(f"{type(err).__name__}: {str(err).splitlines()[0] if str(err) else ''}")
            finally:
                with self._lock:
                    self._pending -= 1
                    if self._pending == 0:
                        self._idle.set()


# -- a snapshot of the running model ---------------------------------------------------------------


#: executive columns the Run page shows (chosen effort, briefing propensity, briefed this quarter)
EXEC_PANEL_COLUMNS = ("effort", "brief", "briefed")


@dataclass(frozen=True)
class Frame:
    """What the charts show: the model's recorded columns up to the current quarter.

    ``data[col]`` is an array (quarters 0..step, firms); paths are the whole run's P(t) and H(t).
    """

    scenario: str
    seed: int
    step: int
    horizon: int
    n_firms: int
    running: bool
    data: dict[str, np.ndarray]
    pressure_path: np.ndarray
    threat_path: np.ndarray
    step_ms: float | None = None  # wall time of the model's last step (not the charts)
    #: executive columns (quarters 0..step, firms, roles) for the politics panel
    execs: dict[str, np.ndarray] = field(default_factory=dict)

    @classmethod
    def of(cls, model: Any, step_ms: float | None = None) -> Frame:
        from orgsim.model.records import FIRM_COLUMNS

        n_q, f = model.steps + 1, model.n_firms
        data = {c: model.firm_column(c).reshape(n_q, f) for c in FIRM_COLUMNS}  # recorded rows do not change
        return cls(
            scenario=model.scenario_name,
            seed=-1 if model.seed is None else int(model.seed),
            step=int(model.steps),
            horizon=int(model.config.steps),
            n_firms=int(f),
            running=bool(model.running),
            data=data,
            pressure_path=np.asarray(model.paths.pressure, dtype=float),
            threat_path=np.asarray(model.paths.threat, dtype=float),
            step_ms=step_ms,
            execs={c: model.exec_column(c) for c in EXEC_PANEL_COLUMNS},
        )


# -- the Run page's state and actions --------------------------------------------------------------

#: quarters per second while playing (the speed control's range)
SPEED_RANGE = (0.5, 20.0)


class RunState:
    """The Run page: scenario, parameter overrides, seed, the model, play state, messages."""

    def __init__(self, scenario: str = "baseline", keep: dict[str, Any] | None = None) -> None:
        #: overrides kept across scenario switches (e.g. a small market for tests and benchmarks)
        self.keep = dict(keep or {})
        self.scenario = solara.reactive(scenario)
        self.overrides: solara.Reactive[dict[str, Any]] = solara.reactive(dict(self.keep))
        self.texts: solara.Reactive[dict[str, str]] = solara.reactive({})  # raw text of path inputs
        self.seed: solara.Reactive[int | None] = solara.reactive(None)
        self.error: solara.Reactive[str | None] = solara.reactive(None)
        self.applied: solara.Reactive[dict[str, Any]] = solara.reactive({})
        self.frame: solara.Reactive[Frame | None] = solara.reactive(None)
        self.firm = solara.reactive(0)
        self.playing = solara.reactive(False)
        self.speed = solara.reactive(4.0)  # quarters per second while playing
        self.status = solara.reactive("")  # what the worker is doing ("" = idle)
        self.finished = solara.reactive(False)  # the model has run its last quarter
        self.version = solara.reactive(0)  # counts the models built (the charts rebuild on a new one)
        self.model: Any = None
        self._lock = threading.RLock()
        self.worker = Worker("run", on_error=self.error.set)

    # configuration -----------------------------------------------------------------------------
    def base_config(self) -> ScenarioConfig:
        from orgsim.scenario.files import load

        return load(self.scenario.value)

    def config(self) -> ScenarioConfig:
        """The scenario with the page's overrides (raises a one-line ConfigError)."""
        from orgsim.scenario.files import load

        return load(self.scenario.value, dict(self.overrides.value) or None)

    def _check(self) -> bool:
        try:
            self.config()
        except ConfigError as err:
            self.error.set(str(err))
            return False
        self.error.set(None)
        return True

    @property
    def pending(self) -> bool:
        """Parameters changed since the model was built (Reset applies them)."""
        return dict(self.overrides.value) != dict(self.applied.value)

    def set_param(self, name: str, value: Any) -> bool:
        """Set one parameter override; a bad value leaves a one-line message (applied on Reset)."""
        self.overrides.set({**self.overrides.value, name: value})
        return self._check()

    def set_path_text(self, name: str, text: str) -> bool:
        """Set a keyframe path from text like ``0:0.3, 40:0.9``."""
        self.texts.set({**self.texts.value, name: text})
        try:
            points = parse_path(name, text)
        except ConfigError as err:
            self.error.set(str(err))
            return False
        return self.set_param(name, points)

    def set_seed(self, seed: int | None) -> bool:
        if seed is not None and not 0 <= int(seed) <= 2**63 - 1:
            self.error.set(f"seed: must be between 0 and 2**63 - 1, got {seed}")
            return False
        self.seed.set(None if seed is None else int(seed))
        return self._check()

    def select_scenario(self, name: str) -> None:
        """Switch scenario: its own parameters and seed, a fresh model at quarter 0."""
        self.playing.set(False)
        self.scenario.set(name)
        self.overrides.set(dict(self.keep))
        self.texts.set({})
        self.seed.set(None)
        self.reset()

    # the model ---------------------------------------------------------------------------------
    def reset(self) -> None:
        """Build a new model from the scenario, overrides and seed (in the background)."""
        self.playing.set(False)
        self.worker.submit(self._build)

    def _build(self) -> None:
        from orgsim.model.market import Market

        try:
            cfg = self.config()
        except ConfigError as err:
            self.error.set(str(err))
            return
        seed = cfg.seed if self.seed.value is None else int(self.seed.value)
        self.status.set(f"building {cfg.name}: {cfg.market.firms} firms, {cfg.market.customers:,} customers …")
        try:
            with self._lock:
                model = Market(cfg, rng=seed)
                self.model = model
                frame = Frame.of(model)
        except (ConfigError, ValueError) as err:
            self.error.set(str(err).splitlines()[0])
            return
        finally:
            self.status.set("")
        self.error.set(None)
        self.applied.set(dict(self.overrides.value))
        self.firm.set(min(self.firm.value, frame.n_firms - 1))
        self.finished.set(False)
        self.frame.set(frame)
        self.version.set(self.version.value + 1)

    def step(self, n: int = 1) -> None:
        """Advance the model by ``n`` quarters (in the background)."""
        self.worker.submit(lambda: self._advance(n))

    def _advance(self, n: int) -> bool:
        with self._lock:
            model = self.model
            if model is None or not model.running:
                return False
            start = time.perf_counter()
            done = 0
            for _ in range(n):
                if not model.running:
                    break
                model.step()
                done += 1
            frame = Frame.of(model, (time.perf_counter() - start) * 1000.0 / max(done, 1))
        t_set = time.perf_counter()
        self.frame.set(frame)  # one reactive change per step: the charts take it by subscription
        log.debug(
            "model %.1f ms, frame %.1f ms, page %.1f ms",
            frame.step_ms or 0,
            (t_set - start) * 1000 - (frame.step_ms or 0) * max(done, 1),
            (time.perf_counter() - t_set) * 1000,
        )
        if not frame.running:
            self.finished.set(True)
            self.playing.set(False)
        return frame.running

    def play(self) -> None:
        """Step at ``speed`` quarters per second until paused or finished."""
        if self.playing.value or self.model is None or not self.model.running:
            return
        self.playing.set(True)
        self.worker.submit(self._play_loop)

    def pause(self) -> None:
        self.playing.set(False)

    def set_speed(self, value: float) -> bool:
        """Quarters per second while playing; a value outside SPEED_RANGE is a one-line message."""
        lo, hi = SPEED_RANGE
        if not lo <= float(value) <= hi:
            self.error.set(f"speed: must be between {lo:g} and {hi:g} quarters per second, got {value:g}")
            return False
        self.speed.set(float(value))
        if self.error.value and self.error.value.startswith("speed:"):
            self.error.set(None)
        return True

    def _play_loop(self) -> None:
        while self.playing.value:
            start = time.perf_counter()
            if not self._advance(1):
                break
            period = 1.0 / max(float(self.speed.value), 0.1)
            time.sleep(max(0.0, period - (time.perf_counter() - start)))
        self.playing.set(False)


@dataclass
class Session:
    """Everything one browser session owns."""

    run: RunState
    extra: dict[str, Any] = field(default_factory=dict)  # other pages' state, created on first use

    def page_state(self, key: str, factory: Callable[[], Any]) -> Any:
        if key not in self.extra:
            self.extra[key] = factory()
        return self.extra[key]


session_context = solara.create_context(None)


def new_session() -> Session:
    return Session(run=RunState())


def use_session() -> Session:
    """The session provided by the page (:func:`provide_session`)."""
    session = solara.use_context(session_context)
    if session is None:  # a page rendered on its own (tests): a session of its own
        session = solara.use_memo(new_session, [])
    return session


def provide_session() -> Session:
    """Create this browser session's :class:`Session` once and provide it to the pages below."""
    session = solara.use_memo(new_session, [])
    solara.provide_context(session_context, session)
    return session
