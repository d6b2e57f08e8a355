"""The Market: F firms, N customers, three executives per firm; one step is one quarter."""

from __future__ import annotations

from typing import Any

import mesa
import numpy as np

from orgsim.model import quarter as suite
from orgsim.model.agents import Executive
from orgsim.model.customers import ChoiceInputs, Customers, beta_draws
from orgsim.model.rules import budget, capabilities, influence, learning
from orgsim.model.rules.budget import CFO, CIO, CMO
from orgsim.scenario.files import environment_paths, load
from orgsim.scenario.schema import ScenarioConfig

#: per-quarter per-firm columns recorded by the model (see docs/OUTPUTS.md)
FIRM_COLUMNS = (
    "revenue",
    "profit",
    "market_share",
    "budget",
    "budget_marketing",
    "budget_it_core",
    "budget_it_marketing",
    "shadow_it",
    "budget_finance",
    "conflict_loss",
    "cmo_tech_claim",
    "influence_cmo",
    "influence_cio",
    "influence_cfo",
    "coop_cmo_cio",
    "coop_cmo_cfo",
    "coop_cio_cfo",
    "cmo_briefs_ceo",
    "p_coop_cmo_cio",
    "p_coop_cmo_cfo",
    "p_coop_cio_cfo",
    "p_brief",
    "data_integration",
    "analytics",
    "experience",
    "quality",
    "roi_measurement",
    "it_appraisal",
    "shadow_stock",
    "incidents",
    "pressure",
    "threat",
    "climate",
)
#: per-quarter per-executive columns
EXEC_COLUMNS = ("influence", "coop_cmo", "coop_cio", "coop_cfo", "brief", "effort", "payoff", "credit")
PAIR_COLUMNS = ("coop_cmo_cio", "coop_cmo_cfo", "coop_cio_cfo")


# Model-level reporters for Mesa's DataCollector (named functions so the model pickles). Each reads
# the market means the model computes once per quarter when it records (Market.market_means).
def mean_influence_cmo(m: Market) -> float:
    return m.market_means["influence_cmo"]


def mean_influence_cio(m: Market) -> float:
    return m.market_means["influence_cio"]


def mean_influence_cfo(m: Market) -> float:
    return m.market_means["influence_cfo"]


def share_coop_cmo_cio(m: Market) -> float:
    return m.market_means["coop_cmo_cio"]


def share_coop_cmo_cfo(m: Market) -> float:
    return m.market_means["coop_cmo_cfo"]


def share_cmo_briefs(m: Market) -> float:
    return m.market_means["cmo_briefs_ceo"]


def mean_profit(m: Market) -> float:
    return m.market_means["profit"]


def pressure_now(m: Market) -> float:
    return m.market_means["pressure"]


REPORTERS = {
    "influence_cmo": mean_influence_cmo,
    "influence_cio": mean_influence_cio,
    "influence_cfo": mean_influence_cfo,
    "coop_cmo_cio": share_coop_cmo_cio,
    "coop_cmo_cfo": share_coop_cmo_cfo,
    "cmo_briefs_ceo": share_cmo_briefs,
    "profit": mean_profit,
    "pressure": pressure_now,
}


def _mean_rows(rows: list[np.ndarray]) -> np.ndarray:
    """``np.array(rows).mean(axis=0)`` (the same sum and division) without its overhead."""
    return np.add.reduce(np.array(rows), axis=0) / len(rows)


#: rows of the firm record averaged for REPORTERS (all but pressure), in REPORTERS' order
_MEAN_ROWS = [FIRM_COLUMNS.index(c) for c in list(REPORTERS)[:-1]]


class RunFinished(RuntimeError):
    """Raised by ``Market.step`` after the scenario's last quarter."""


class Market(mesa.Model):
    """orgsim's model.

    ``Market(scenario="baseline", rng=None, **params)``: ``scenario`` is a shipped name, a TOML path
    or a :class:`ScenarioConfig`; keyword parameters override it by bare name (``firms=4``,
    ``shadow_it_cap=0.5``) or as ``steps``; ``rng`` defaults to the scenario's seed.
    """

    def __init__(
        self, scenario: str | ScenarioConfig = "baseline", *, rng: Any = None, run_id: str = "", **params: Any
    ) -> None:
        cfg = load(scenario, params or None)
        if rng is None:
            rng = cfg.seed
        if isinstance(rng, np.integer):
            rng = int(rng)
        super().__init__(rng=rng)
        self.config = cfg
        self.scenario_name = cfg.name
        self.seed = rng if isinstance(rng, int) else None
        self.run_id = run_id
        self.paths = environment_paths(cfg)
        env = (self.paths.pressure.tolist(), self.paths.threat.tolist(), self.paths.climate.tolist())
        self._env_rows = list(zip(*env, strict=True))  # (pressure, threat, climate) per quarter
        mk, fp, ex = cfg.market, cfg.firm, cfg.executives
        f = mk.firms
        self.n_firms = f

        self.customers = Customers(
            mk.customers, f, mk.network_degree, mk.network_rewiring, mk.taste_mean, mk.taste_concentration, self.rng
        )
        self.quality = np.full(f, fp.quality_start)
        self.integration = np.full(f, fp.integration_start)
        self.analytics = np.full(f, fp.analytics_start)
        self.experience = np.full(f, fp.experience_start)
        self.roi = np.full(f, fp.roi_start)
        self.appraisal = np.full(f, fp.appraisal_start)
        self.shadow_stock = np.zeros(f)
        self.incidents = np.zeros(f, dtype=np.int64)
        self.influence = np.tile([ex.influence_cmo, ex.influence_cio, ex.influence_cfo], (f, 1)).astype(float)
        self.credits = self.influence.copy()
        self.coop = np.zeros((f, 3))
        self.briefed = np.zeros(f, dtype=bool)
        self.coop_history = np.zeros((4, f, 3))
        self.switched = 0
        self.beliefs = np.zeros((f, 3, 3, 4))  # firm, role, peer: [S_joint, W_joint, S_alone, W_alone]
        self.brief_beliefs = np.zeros((f, 4))  # CMOs: the same for briefing the CEO
        # the executives' state (each Executive reads and writes its own entries)
        self.p_coop = np.zeros((f, 3, 3))  # firm, role, peer: propensity to be willing (own entry 0)
        self.p_brief = np.zeros(f)  # the CMO's propensity to brief the CEO
        self.effort = np.zeros((f, 3))
        self.willing = np.zeros((f, 3, 3), dtype=bool)
        self.payoff = np.zeros((f, 3))
        self.fixed = np.zeros((f, 3, 3), dtype=bool)  # propensities held fixed (focal firm)
        self.fixed_brief = np.zeros(f, dtype=bool)

        # executives, drawn per firm from the disposition distributions
        means = {
            (CMO, CIO): ex.coop_cmo_cio,
            (CIO, CMO): ex.coop_cio_cmo,
            (CMO, CFO): ex.coop_cmo_cfo,
            (CFO, CMO): ex.coop_cfo_cmo,
            (CIO, CFO): ex.coop_cio_cfo,
            (CFO, CIO): ex.coop_cfo_cio,
        }
        conc = ex.propensity_concentration
        draws = {k: beta_draws(self.rng, m, conc, f) for k, m in means.items()}
        brief = beta_draws(self.rng, ex.brief_mean, conc, f)
        effort = beta_draws(self.rng, ex.effort_mean, conc, (f * 3)).reshape(f, 3)
        self.exec_grid: list[list[Executive]] = []
        for i in range(f):
            row = []
            for role in (CMO, CIO, CFO):
                coop = np.zeros(3)
                for peer in range(3):
                    if peer != role:
                        coop[peer] = draws[(role, peer)][i]
                row.append(Executive(self, i, role, coop, brief[i], effort[i, role]))
            self.exec_grid.append(row)
        self.executives = self.agents_by_type[Executive]
        # the compiled phases, or None: the reference path (the agents' methods, numpy; ORGSIM_NO_NUMBA=1)
        self._suite = suite.Suite(self) if suite.kernels() is not None else None
        self._apply_focal()

        # first year's revenue and budget
        self.revenue = self._revenue(0)
        self.revenue_history = [self.revenue.copy()]
        self.profit = self.revenue * (1.0 - fp.variable_cost) - cfg.levers.budget_share * self.revenue
        self.margin_history = [self._margin()]
        self.domain = np.tile(
            [fp.start_share_marketing, 1.0 - fp.start_share_marketing - fp.start_share_finance, fp.start_share_finance],
            (f, 1),
        )
        governed = self.p_coop[:, CMO, CIO] * self.p_coop[:, CIO, CMO]
        self.alloc = self._allocate(cfg.levers.budget_share * self.revenue, self.domain, np.zeros(f), governed, 0)
        self.profit = self.revenue * (1.0 - fp.variable_cost) - self.alloc.budget

        # recording
        self._firm_arr = np.zeros((cfg.steps + 1, len(FIRM_COLUMNS), f))  # quarter, column, firm
        self._exec_arr = np.zeros((cfg.steps + 1, len(EXEC_COLUMNS), f, 3))  # quarter, column, firm, role
        self.datacollector = mesa.DataCollector(model_reporters=REPORTERS)
        self._record(0)
        self.datacollector.collect(self)

    def _apply_focal(self) -> None:
        """Fix firm 0's dispositions where the scenario's ``focal`` group says so."""
        fc = self.config.focal
        cmo, cio, cfo = self.exec_grid[0]
        for value, (a, b) in (
            (fc.focal_coop_cmo_cio, (cmo, cio)),
            (fc.focal_coop_cmo_cfo, (cmo, cfo)),
            (fc.focal_coop_cio_cfo, (cio, cfo)),
        ):
            if value is not None:
                a.fix(b.role, value)
                b.fix(a.role, value)
        if fc.focal_brief is not None:
            cmo.fix(None, fc.focal_brief)

    # -- helpers ------------------------------------------------------------------------------
    def executive(self, firm: int, role: int) -> Executive:
        return self.exec_grid[firm][role]

    @property
    def quarter(self) -> int:
        return self.steps

    def _env(self, q: int) -> tuple[float, float, float]:
        """Pressure, threat and climate in quarter ``q`` (the last quarter's after the run)."""
        return self._env_rows[min(q, self.config.steps)]

    def _revenue(self, q: int) -> np.ndarray:
        cfg = self.config
        _, _, climate = self._env(q)
        self.shares = self.customers.shares()  # market shares after this quarter's choices
        base = self.shares * cfg.market.firms * cfg.market.revenue_per_firm * climate
        sd = cfg.environment.revenue_noise
        if sd > 0:
            base = base * np.exp(self.rng.normal(-0.5 * sd * sd, sd, self.n_firms))
        return base

    def _margin(self) -> np.ndarray:
        return np.where(self.revenue > 0, self.profit / np.where(self.revenue > 0, self.revenue, 1.0), 0.0)

    def _allocate(
        self, budget_q: np.ndarray, domain: np.ndarray, lost: np.ndarray, governed: np.ndarray, q: int
    ) -> budget.Allocation:
        cfg = self.config
        pressure, _, _ = self._env(q)
        claim = budget.tech_claim(
            pressure,
            self.analytics,
            self.experience,
            cfg.market.beta_personalisation,
            cfg.market.beta_experience,
            cfg.firm.tech_claim_max,
        )
        return budget.allocate(
            budget_q, domain, lost, claim, governed, cfg.levers.shadow_it_cap, cfg.mechanisms.shadow_it
        )

    # -- the quarter --------------------------------------------------------------------------
    def step(self) -> None:
        q = self.steps
        if q > self.config.steps:
            raise RunFinished(f"the run has ended at quarter {self.config.steps}; build a new Market to run again")
        self.customers_choose(q)
        self.executives_interact(q)
        if q > 1 and (q - 1) % 4 == 0:
            self.budget_round(q)
        self.capabilities_move(q)
        self.influence_moves(q)
        self.executives_learn(q)
        self._record(q)
        self.datacollector.collect(self)
        if q >= self.config.steps:
            self.running = False

    def customers_choose(self, q: int) -> None:
        """1. A share of customers reconsiders and picks a firm by a logit choice."""
        cfg, mk = self.config, self.config.market
        pressure, _, _ = self._env(q)
        inputs = ChoiceInputs(
            quality=self.quality,
            experience=self.experience,
            analytics=self.analytics,
            pressure=pressure,
            beta_quality=mk.beta_quality,
            beta_experience=mk.beta_experience,
            beta_personalisation=mk.beta_personalisation,
            beta_word_of_mouth=mk.beta_word_of_mouth if cfg.mechanisms.word_of_mouth else 0.0,
            switching_cost=mk.switching_cost * (1.0 - pressure),
            experience_weight_floor=mk.experience_weight_floor,
            reconsider=min(1.0, mk.reconsider_base + mk.reconsider_pressure * pressure),
        )
        self.switched = self.customers.choose(inputs, self.rng)
        self.revenue = self._revenue(q)
        self.revenue_history.append(self.revenue.copy())

    def executives_interact(self, q: int) -> None:
        """2. Each pair works together if both are willing (CMO-CFO also under an ROI mandate)."""
        if self._suite is not None:
            self._suite.interact(self)
            return
        self.executives.do("propose")
        w = self.willing
        coop = np.zeros((self.n_firms, 3))
        coop[:, 0] = w[:, CMO, CIO] & w[:, CIO, CMO]
        coop[:, 1] = w[:, CMO, CFO] & w[:, CFO, CMO]
        coop[:, 2] = w[:, CIO, CFO] & w[:, CFO, CIO]
        mandate = self.config.levers.roi_mandate
        if mandate > 0:
            coop[:, 1] = np.maximum(coop[:, 1], self.rng.random(self.n_firms) < mandate)
        self.coop = coop
        self.coop_history[1:] = self.coop_history[:-1]  # the newest quarter first
        self.coop_history[0] = coop

    def budget_round(self, q: int) -> None:
        """3. Yearly: sticky split, contested part by contest or bargain; who controls marketing IT."""
        if self._suite is not None:
            self._suite.budget(self, self._env(q)[0])
            return
        cfg = self.config
        lv, fp = cfg.levers, cfg.firm
        year = _mean_rows(self.revenue_history[-4:])
        budget_q = lv.budget_share * year
        evidence = np.ones((self.n_firms, 3))
        if cfg.mechanisms.roi_evidence_on:
            evidence[:, CMO] += cfg.influence.roi_evidence * self.roi
        effort = self.effort
        claims = np.array([fp.claim_cmo, fp.claim_cio, fp.claim_cfo])
        strength = claims * self.influence * evidence * (effort if lv.budget_rule == "contest" else 1.0)
        trust = self.coop_history.mean(axis=(0, 2))
        lost = budget.conflict_loss_share(effort, trust, fp.conflict_loss)
        domain, lost_share = budget.domain_split(
            self.domain, strength, lv.contested_share, lost, fp.contest_exponent, lv.budget_rule
        )
        governed = self.coop_history[:, :, 0].mean(axis=0)
        self.alloc = self._allocate(budget_q, domain, lost_share, governed, q)
        # next year's base is this year's split among the three domains; the loss is not carried over
        self.domain = domain / domain.sum(axis=1, keepdims=True)

    def capabilities_move(self, q: int) -> None:
        """4. Stocks move with spending and joint work; incidents knock quality down; profit."""
        cfg, fp = self.config, self.config.firm
        _, threat, _ = self._env(q)
        a, unit = self.alloc, cfg.market.revenue_per_firm
        if self._suite is not None:
            self._suite.capabilities(self, threat)
            return
        it_eff = 1.0 + fp.appraisal_gain * self.appraisal
        core = a.it_core / unit * it_eff
        governed = a.it_marketing / unit * it_eff
        shadow = a.shadow_it / unit
        campaigns = a.marketing / unit * (1.0 - capabilities.waste_share(self.roi, fp.waste_max))
        lever = 1.0 - fp.analytics_leverage + fp.analytics_leverage * self.analytics
        self.quality = capabilities.stock_step(self.quality, core, fp.quality_growth, fp.quality_decay)
        self.analytics = capabilities.stock_step(
            self.analytics,
            (governed + fp.shadow_speed * shadow) * self.integration,
            fp.analytics_growth,
            fp.analytics_decay,
        )
        self.integration = capabilities.integration_step(
            self.integration, governed, shadow, fp.integration_growth, fp.silo_growth, fp.integration_decay
        )
        self.experience = capabilities.stock_step(
            self.experience, campaigns * lever, fp.experience_growth, fp.experience_decay
        )
        self.roi = capabilities.stock_step(self.roi, self.coop[:, 1], fp.roi_growth, fp.roi_decay)
        self.appraisal = capabilities.stock_step(
            self.appraisal, self.coop[:, 2], fp.appraisal_growth, fp.appraisal_decay
        )
        self.shadow_stock = self.shadow_stock * (1.0 - fp.shadow_decay) + shadow
        if cfg.mechanisms.incidents:
            lam = capabilities.incident_rate(
                threat, self.quality, self.shadow_stock, fp.incident_rate, fp.security_protection, fp.shadow_risk
            )
            self.incidents = self.rng.poisson(lam)
        else:
            self.incidents = np.zeros(self.n_firms, dtype=np.int64)
        self.quality = self.quality * (1.0 - fp.incident_quality_loss) ** self.incidents
        loss = self.incidents * fp.incident_cost / 100.0 * unit
        self.profit = self.revenue * (1.0 - fp.variable_cost) - a.budget - loss
        self.margin_history.append(self._margin())

    def influence_moves(self, q: int) -> None:
        """5. The CEO credits each executive; influence moves toward the credited shares."""
        ip, mech = self.config.influence, self.config.mechanisms
        pressure, threat, climate = self._env(q)
        hist = self.revenue_history
        prev = hist[-5] if len(hist) >= 5 else hist[0]
        if self._suite is not None:
            self._suite.influence(self, pressure, threat, climate, prev)
            return
        decline = np.clip((prev - self.revenue) / np.where(prev > 0, prev, 1.0), 0.0, None)
        stress = max(0.0, 1.0 - climate) + decline
        crit = influence.criticality(pressure, threat, self.quality, stress, ip)
        own = np.column_stack([self.experience, self.quality, np.clip(0.5 + self._margin(), 0.0, 1.0)])
        dependence = np.zeros((self.n_firms, 3))
        if mech.resource_dependence:
            b = np.where(self.alloc.budget > 0, self.alloc.budget, 1.0)
            dependence[:, CIO] = ip.dependence_weight * self.alloc.it_marketing / b
        self._crediting = (own, crit, dependence)
        self._influence_before = self.influence
        self.credits = self._credit(self.coop, self.briefed)
        self.influence = influence.update(self.influence, self.credits, ip.influence_rate)

    def _credit(self, coop: np.ndarray, briefed: np.ndarray) -> np.ndarray:
        """The CEO's credit this quarter for given joint work and briefings (also counterfactual)."""
        ip, mech = self.config.influence, self.config.mechanisms
        own, crit, dependence = self._crediting
        visibility = np.ones((self.n_firms, 3))
        if mech.briefing:
            visibility[:, CMO] = np.where(briefed, 1.0, ip.visibility_unbriefed)
        else:
            visibility[:, CMO] = ip.visibility_unbriefed
        weight = ip.joint_credit if mech.joint_credit_on else 0.0
        return influence.credit(own, crit, visibility, coop, weight, ip.coordination_cost, dependence)

    def _foregone_gain(self, coop: np.ndarray, briefed: np.ndarray) -> np.ndarray:
        """Influence gain each executive would have had with other joint work or briefings."""
        ip = self.config.influence
        return (
            influence.update(self._influence_before, self._credit(coop, briefed), ip.influence_rate)
            - self._influence_before
        )

    def executives_learn(self, q: int) -> None:
        """6. Belief learning from own, observed and foregone payoffs; then benchmarking; committed together.

        What each executive perceives (its evidence and the belief it updates) is computed for all
        executives at once; each executive then moves its own propensities (``Executive.learn``).
        With numba the phase runs as compiled passes around numpy's log, tanh and exp
        (:mod:`orgsim.model.quarter`, same results).
        """
        margins = _mean_rows(self.margin_history[-4:])
        if self._suite is not None:
            self._suite.learn(self, margins)
            return
        lp, mech = self.config.learning, self.config.mechanisms
        own_w = 1.0 if mech.reinforcement else 0.0
        other_w = lp.observation_weight if mech.observation else 0.0
        margin_now = lp.profit_weight * self.margin_history[-1]
        payoff = (self.influence - self._influence_before) + margin_now[:, None]
        for k, (a, b) in enumerate(influence.PAIRS):
            flipped = self.coop.copy()
            flipped[:, k] = 1.0 - flipped[:, k]
            foregone = self._foregone_gain(flipped, self.briefed) + margin_now[:, None] if mech.counterfactual else None
            for role, peer in ((a, b), (b, a)):
                ev = learning.evidence_all(payoff[:, role], self.coop[:, k], own_w, other_w)
                if foregone is not None:
                    ev += learning.foregone_all(self.coop[:, k], foregone[:, role], lp.foregone_weight)
                self.beliefs[:, role, peer] = learning.accumulate(self.beliefs[:, role, peer], ev, lp.belief_decay)
        ev = learning.evidence_all(payoff[:, CMO], self.briefed, own_w, other_w)
        if mech.counterfactual:
            brief_cf = self._foregone_gain(self.coop, ~self.briefed)[:, CMO] + margin_now
            ev += learning.foregone_all(self.briefed, brief_cf, lp.foregone_weight)
        self.brief_beliefs[:] = learning.accumulate(self.brief_beliefs, ev, lp.belief_decay)
        new_props = learning.logit_step(
            self.p_coop, learning.belief_gap(self.beliefs), lp.learning_rate, lp.payoff_scale
        )
        new_briefs = learning.logit_step(
            self.p_brief, learning.belief_gap(self.brief_beliefs), lp.learning_rate, lp.payoff_scale
        )
        for i, row in enumerate(self.exec_grid):
            for e in row:
                e.learn(new_props[i, e.role], float(new_briefs[i]), float(payoff[i, e.role]), margins)
        self.executives.do("advance")

    # -- results ------------------------------------------------------------------------------
    def _record(self, q: int) -> None:
        row, e = self._firm_arr[q], self._exec_arr[q]  # columns in the order of FIRM_COLUMNS, EXEC_COLUMNS
        env = self._env(q)
        if self._suite is not None:
            self._suite.record(self, q, row, e)
        else:
            a, p, infl, coop = self.alloc, self.p_coop, self.influence, self.coop
            firm_values = (  # the environment's three columns come last
                self.revenue, self.profit, self.shares, a.budget, a.marketing, a.it_core, a.it_marketing,
                a.shadow_it, a.finance, a.conflict, a.tech_claim, infl[:, CMO], infl[:, CIO], infl[:, CFO],
                coop[:, 0], coop[:, 1], coop[:, 2], self.briefed,
                # next quarter's probability of each pair's joint work (without the ROI mandate)
                p[:, CMO, CIO] * p[:, CIO, CMO], p[:, CMO, CFO] * p[:, CFO, CMO], p[:, CIO, CFO] * p[:, CFO, CIO],
                self.p_brief, self.integration, self.analytics, self.experience, self.quality, self.roi,
                self.appraisal, self.shadow_stock, self.incidents,
            )  # fmt: skip
            n = len(firm_values)
            row[:n] = np.array(firm_values, dtype=float)
            row[n], row[n + 1], row[n + 2] = env  # pressure, threat, climate
            e[0] = infl
            e[1:4] = p.transpose(2, 0, 1)  # coop_cmo, coop_cio, coop_cfo: each role's propensity toward them
            e[4, :, CMO] = self.p_brief
            e[5] = self.effort
            e[6] = self.payoff
            e[7] = self.credits
        # the market means of REPORTERS: each column of the row summed on its own (as a column of the
        # arrays would be), then divided by F
        sums = np.add.reduce(row[_MEAN_ROWS], axis=1) / self.n_firms
        self.market_means = dict(zip(REPORTERS, (*sums.tolist(), env[0]), strict=True))

    def run(self) -> Market:
        """Step until the scenario's length."""
        while self.running:
            self.step()
        return self

    def firm_column(self, name: str) -> np.ndarray:
        """One column of :meth:`firm_table` as a float array (all firms, quarter by quarter)."""
        return self._firm_arr[: self.steps + 1, FIRM_COLUMNS.index(name)].ravel()

    def firm_table(self):
        """Tidy per-quarter per-firm table (pandas), up to the current quarter."""
        import pandas as pd

        n_q, f = self.steps + 1, self.n_firms
        steps = np.repeat(np.arange(n_q), f)
        data: dict[str, Any] = {
            "run_id": self.run_id,
            "scenario": self.scenario_name,
            "seed": self.seed if self.seed is not None else -1,
            "step": steps.astype(np.int32),
            "firm": np.tile(np.arange(f), n_q).astype(np.int32),
        }
        ints = {"incidents", "coop_cmo_cio", "coop_cmo_cfo", "coop_cio_cfo", "cmo_briefs_ceo"}
        for j, c in enumerate(FIRM_COLUMNS):
            col = self._firm_arr[:n_q, j].ravel()
            data[c] = col.astype(np.int32) if c in ints else col
        return pd.DataFrame(data)

    def executive_table(self):
        """Tidy per-quarter per-executive table (pandas)."""
        import pandas as pd

        n_q, f = self.steps + 1, self.n_firms
        data: dict[str, Any] = {
            "run_id": self.run_id,
            "scenario": self.scenario_name,
            "seed": self.seed if self.seed is not None else -1,
            "step": np.repeat(np.arange(n_q), f * 3).astype(np.int32),
            "firm": np.tile(np.repeat(np.arange(f), 3), n_q).astype(np.int32),
            "role": np.tile(np.array(["cmo", "cio", "cfo"] * f), n_q),
        }
        for j, c in enumerate(EXEC_COLUMNS):
            data[c] = self._exec_arr[:n_q, j].reshape(-1)
        return pd.DataFrame(data)
