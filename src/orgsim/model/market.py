"""The Market: F firms, N customers, three executives per firm; one step is one quarter."""

from __future__ import annotations

from typing import Any

import mesa
import numpy as np

from orgsim.model import quarter
from orgsim.model.agents import Executive
from orgsim.model.customers import ChoiceInputs, Customers, beta_draws
from orgsim.model.quarter import STOCKS, Params, State
from orgsim.model.records import EXEC_COLUMNS, FIRM_COLUMNS, INT_COLUMNS, MEAN_ROWS, PAIR_COLUMNS, REPORTERS, FirmCol
from orgsim.model.roles import CFO, CIO, CMO, ROLES
from orgsim.model.rules import budget, politics
from orgsim.model.rules.budget import BudgetParams
from orgsim.model.rules.capabilities import StockParams
from orgsim.model.rules.influence import CreditParams
from orgsim.model.rules.learning import LearnParams
from orgsim.model.rules.politics import PoliticsParams
from orgsim.scenario.files import environment_paths, load
from orgsim.scenario.schema import ScenarioConfig

__all__ = ["EXEC_COLUMNS", "FIRM_COLUMNS", "PAIR_COLUMNS", "REPORTERS", "Market", "RunFinished", "params_of"]


class RunFinished(RuntimeError):
    """Raised by ``Market.step`` after the scenario's last quarter."""


def params_of(cfg: ScenarioConfig) -> Params:
    """The quarter's parameters, by name, from a scenario (mechanism switches folded in)."""
    mk, fp, ip, lp, lv, mech = cfg.market, cfg.firm, cfg.influence, cfg.learning, cfg.levers, cfg.mechanisms
    contest = lv.budget_rule == "contest"
    return Params(
        mandate=float(lv.roi_mandate),
        budget=BudgetParams(
            share=float(lv.budget_share),
            roi_evidence=float(ip.roi_evidence) if mech.roi_evidence_on else 0.0,
            claim_cmo=float(fp.claim_cmo),
            claim_cio=float(fp.claim_cio),
            claim_cfo=float(fp.claim_cfo),
            contest=contest,
            conflict_loss=float(fp.conflict_loss),
            contested=float(lv.contested_share),
            exponent=float(fp.contest_exponent) if contest else 1.0,
            beta_personalisation=float(mk.beta_personalisation),
            beta_experience=float(mk.beta_experience),
            claim_max=float(fp.tech_claim_max),
            shadow_cap=float(lv.shadow_it_cap),
            shadow_on=bool(mech.shadow_it),
            reach=float(lv.governance_reach),
        ),
        stocks=StockParams(
            unit=float(mk.revenue_per_firm),
            **{name: float(getattr(fp, name)) for name in StockParams._fields if hasattr(fp, name)},
            incidents_on=bool(mech.incidents),
        ),
        credit=CreditParams(
            **{name: float(getattr(ip, name)) for name in CreditParams._fields if name.startswith("crit_")},
            dependence_weight=float(ip.dependence_weight) if mech.resource_dependence else 0.0,
            visibility_unbriefed=float(ip.visibility_unbriefed),
            visibility_unbriefed_cio=float(ip.visibility_unbriefed_cio),
            visibility_unbriefed_cfo=float(ip.visibility_unbriefed_cfo),
            briefing_on=bool(mech.briefing),
            ceo_attention=float(ip.ceo_attention) if mech.finite_attention else 3.0,
            briefing_time_cost=float(ip.briefing_time_cost),
            joint_credit=float(ip.joint_credit) if mech.joint_credit_on else 0.0,
            coordination_cost=float(ip.coordination_cost),
            effort_time_cost=float(ip.effort_time_cost),
            rate=float(ip.influence_rate),
        ),
        learn=LearnParams(
            profit_weight=float(lp.profit_weight),
            own_weight=1.0 if mech.reinforcement else 0.0,
            other_weight=float(lp.observation_weight) if mech.observation else 0.0,
            counterfactual=bool(mech.counterfactual),
            exact=lp.foregone_rule == "exact",
            foregone_weight=float(lp.foregone_weight),
            decay=float(lp.belief_decay),
            scale=float(lp.payoff_scale),
            rate=float(lp.learning_rate),
            imitation=bool(mech.imitation),
            imitation_rate=float(lp.imitation_rate),
            imitation_scale=float(lp.imitation_scale),
            exploration=float(lp.exploration),
        ),
        politics=PoliticsParams(
            chosen=bool(mech.chosen_effort),
            stake=float(lp.effort_stake),
            contested=float(lv.contested_share),
            time_cost=float(ip.effort_time_cost),
            shared_stake=float(lp.shared_stake),
            rate=float(lp.effort_rate),
            decay=float(lp.bid_belief_decay),
            conflict_loss=float(fp.conflict_loss),
            exponent=float(fp.contest_exponent),
        ),
    )


def _state(cfg: ScenarioConfig, env: np.ndarray) -> State:
    """A model's state arrays at their starting values (propensities and the first year's budget: the Market)."""
    f, t = cfg.market.firms, cfg.steps + 1
    fp, ex = cfg.firm, cfg.executives
    starts = [getattr(fp, f"{name}_start") for name in STOCKS[:-1]] + [0.0]
    influence = np.tile([ex.influence_cmo, ex.influence_cio, ex.influence_cfo], (f, 1)).astype(float)
    return State(
        env=env,
        revenue=np.zeros((t, f)),
        margin=np.zeros((t, f)),
        profit=np.zeros(f),
        shares=np.zeros(f),
        stocks=np.array([np.full(f, float(v)) for v in starts]),
        incidents=np.zeros(f, dtype=np.int64),
        money=np.zeros((len(budget.LINES), f)),
        domain=np.zeros((f, 3)),
        influence=influence,
        influence_before=influence.copy(),
        credits=influence.copy(),
        own=np.zeros((f, 3)),
        crit=np.zeros((f, 3)),
        dependence=np.zeros((f, 3)),
        coop=np.zeros((f, 3)),
        briefed=np.zeros((f, 3), dtype=bool),
        attention=np.zeros((f, 3)),
        coop_history=np.zeros((quarter.HISTORY, f, 3)),
        p_coop=np.zeros((f, 3, 3)),
        p_brief=np.zeros((f, 3)),
        effort=np.zeros((f, 3)),
        spent=np.zeros((f, 3)),
        bid_beliefs=np.zeros((f, 3, 3)),
        willing=np.zeros((f, 3, 3), dtype=bool),
        payoff=np.zeros((f, 3)),
        fixed=np.zeros((f, 3, 3), dtype=bool),
        fixed_brief=np.zeros((f, 3), dtype=bool),
        beliefs=np.zeros((f, 3, 3, 4)),
        brief_beliefs=np.zeros((f, 3, 4)),
        brief_foregone=np.zeros((f, 3)),
        coop_foregone=np.zeros((f, 3, 3)),
        firm_record=np.zeros((t, len(FIRM_COLUMNS), f)),
        exec_record=np.zeros((t, len(EXEC_COLUMNS), f, 3)),
    )


def _stock_view(index: int) -> property:
    def get(self: Market) -> np.ndarray:
        return self.state.stocks[index]

    def set_(self: Market, value: np.ndarray) -> None:
        self.state.stocks[index] = value

    return property(get, set_, doc=f"Every firm's {STOCKS[index]} (a view of the state's stocks).")


def _state_view(name: str) -> property:
    def get(self: Market) -> np.ndarray:
        return getattr(self.state, name)

    def set_(self: Market, value: np.ndarray) -> None:
        getattr(self.state, name)[...] = value

    return property(get, set_, doc=f"The state's ``{name}`` array (see orgsim.model.quarter.State).")


class Market(mesa.Model):
    """orgsim's model.

    ``Market(scenario="baseline", rng=None, **params)``: ``scenario`` is a shipped name, a TOML path
    or a :class:`ScenarioConfig`; keyword parameters override it by bare name (``firms=4``,
    ``shadow_it_cap=0.5``) or as ``steps``; ``rng`` defaults to the scenario's seed.

    The state is :attr:`state` (:class:`orgsim.model.quarter.State`); the executives are Mesa agents
    viewing it. Each quarter: customers choose (:meth:`customers_choose`), then the executives'
    phases 2 to 6 run as one compiled pass (:func:`orgsim.model.quarter.executives_quarter`).
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
        mk, fp, ex = cfg.market, cfg.firm, cfg.executives
        f = mk.firms
        self.n_firms = f
        self.params = params_of(cfg)
        self.state = _state(cfg, np.array([self.paths.pressure, self.paths.threat, self.paths.climate], dtype=float))
        s = self.state

        self.customers = Customers(
            mk.customers, f, mk.network_degree, mk.network_rewiring, mk.taste_mean, mk.taste_concentration, self.rng
        )
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
        for (role, peer), mean in means.items():
            s.p_coop[:, role, peer] = beta_draws(self.rng, mean, conc, f)
        for role, mean in ((CMO, ex.brief_mean), (CIO, ex.brief_mean_cio), (CFO, ex.brief_mean_cfo)):
            s.p_brief[:, role] = beta_draws(self.rng, mean, conc, f)
        s.effort[:] = beta_draws(self.rng, ex.effort_mean, conc, (f * 3)).reshape(f, 3)
        strength = np.empty(3)
        for j in range(f):  # each executive starts believing its rivals bid what they would now
            budget.contest_strength(s.influence[j], s.stocks[STOCKS.index("roi"), j], self.params.budget, strength)
            politics.observe_bids(strength, s.effort[j], s.bid_beliefs[j], 0.0)
        self.exec_grid = [[Executive(self, i, role) for role in (CMO, CIO, CFO)] for i in range(f)]
        self.executives = self.agents_by_type[Executive]
        self._apply_focal()

        # the first year's revenue and budget (no contest yet: the starting split)
        s.revenue[0] = self._revenue(0)
        start = [fp.start_share_marketing, 1.0 - fp.start_share_marketing - fp.start_share_finance]
        s.domain[:] = [*start, fp.start_share_finance]
        bp = self.params.budget
        for j in range(f):
            claim = budget.tech_claim(
                self.paths.pressure[0], self.analytics[j], self.experience[j], bp.beta_personalisation,
                bp.beta_experience, bp.claim_max,
            )  # fmt: skip
            joint = s.p_coop[j, CMO, CIO] * s.p_coop[j, CIO, CMO]  # the expected joint-work rate
            budget.allocate(bp.share * s.revenue[0, j], s.domain[j], 0.0, claim, joint, bp.reach, bp.shadow_cap,
                            bp.shadow_on, s.money[:, j])  # fmt: skip
        s.profit[:] = s.revenue[0] * (1.0 - fp.variable_cost) - s.money[0]
        s.margin[0] = np.where(s.revenue[0] > 0, s.profit / np.where(s.revenue[0] > 0, s.revenue[0], 1.0), 0.0)

        self.datacollector = mesa.DataCollector(model_reporters=REPORTERS)
        self._record(0)

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

    # -- views of the state -------------------------------------------------------------------
    quality, analytics, integration, experience, roi, appraisal, shadow_stock = (
        _stock_view(i) for i in range(len(STOCKS))
    )
    influence = _state_view("influence")
    credits = _state_view("credits")
    coop = _state_view("coop")
    briefed = _state_view("briefed")
    attention = _state_view("attention")
    coop_history = _state_view("coop_history")
    p_coop = _state_view("p_coop")
    p_brief = _state_view("p_brief")
    effort = _state_view("effort")
    spent = _state_view("spent")
    bid_beliefs = _state_view("bid_beliefs")
    willing = _state_view("willing")
    payoff = _state_view("payoff")
    fixed = _state_view("fixed")
    fixed_brief = _state_view("fixed_brief")
    beliefs = _state_view("beliefs")
    brief_beliefs = _state_view("brief_beliefs")
    brief_foregone = _state_view("brief_foregone")
    coop_foregone = _state_view("coop_foregone")
    incidents = _state_view("incidents")
    profit = _state_view("profit")
    shares = _state_view("shares")
    domain = _state_view("domain")

    @property
    def alloc(self) -> budget.Allocation:
        """This year's quarterly spending lines per firm (views of the state's money)."""
        return budget.Allocation(*self.state.money)

    @property
    def revenue(self) -> np.ndarray:
        """This quarter's revenue per firm."""
        return self.state.revenue[self.quarter]

    @property
    def revenue_history(self) -> np.ndarray:
        """Revenue per quarter so far, shape (quarters + 1, F)."""
        return self.state.revenue[: self.quarter + 1]

    @property
    def margin_history(self) -> np.ndarray:
        """Profit margin per quarter so far, shape (quarters + 1, F)."""
        return self.state.margin[: self.quarter + 1]

    def executive(self, firm: int, role: int) -> Executive:
        return self.exec_grid[firm][role]

    @property
    def quarter(self) -> int:
        return min(self.steps, self.config.steps)

    def _revenue(self, q: int) -> np.ndarray:
        """Revenue after quarter ``q``'s choices: market share x market size x climate (x noise)."""
        cfg = self.config
        self.state.shares[:] = self.customers.shares()
        base = self.state.shares * cfg.market.firms * cfg.market.revenue_per_firm * self.paths.climate[q]
        sd = cfg.environment.revenue_noise
        if sd > 0:
            base = base * np.exp(self.rng.normal(-0.5 * sd * sd, sd, self.n_firms))
        return base

    # -- the quarter --------------------------------------------------------------------------
    def step(self) -> None:
        q = self.steps
        if q > self.config.steps:
            raise RunFinished(f"the run has ended at quarter {self.config.steps}; build a new Market to run again")
        self.customers_choose(q)
        self.record_churn(q)
        budget_year = q > 1 and (q - 1) % 4 == 0
        quarter.executives_quarter(self.state, self.params, q, budget_year, self.rng)
        self._means(q)
        if q >= self.config.steps:
            self.running = False

    def customers_choose(self, q: int) -> None:
        """1. A share of customers reconsiders and picks a firm by a logit choice; revenue follows."""
        cfg, mk = self.config, self.config.market
        pressure = float(self.paths.pressure[q])
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
        self.state.revenue[q] = self._revenue(q)

    def record_churn(self, q: int) -> None:
        """The firm record's ``churn`` after quarter ``q``'s choices: the share of each firm's customers
        at the start of the year (after quarter 4y, y = (q - 1) // 4) who now buy from another firm,
        year to date (the year's last quarter, q = 4, 8, ..., gives the year's). A record only: it reads
        the customers' brands, draws no random numbers and changes no state the dynamics read."""
        self.state.firm_record[q, FirmCol.churn] = self.customers.churn()
        if q % 4 == 0:
            self.customers.start_year()

    # -- results ------------------------------------------------------------------------------
    def _record(self, q: int) -> None:
        quarter.record(self.state, q)
        self._means(q)

    def _means(self, q: int) -> None:
        """The market means of REPORTERS (each column of the row summed, then divided by F), collected."""
        row = self.state.firm_record[q]
        sums = np.add.reduce(row[MEAN_ROWS], axis=1) / self.n_firms
        self.market_means = dict(zip(REPORTERS, (*sums.tolist(), float(self.paths.pressure[q])), strict=True))
        self.datacollector.collect(self)

    def run(self) -> Market:
        """Step until the scenario's length."""
        while self.running:
            self.step()
        return self

    def firm_column(self, name: str) -> np.ndarray:
        """One column of :meth:`firm_table` as a float array (all firms, quarter by quarter)."""
        return self.state.firm_record[: self.steps + 1, FIRM_COLUMNS.index(name)].ravel()

    def exec_column(self, name: str) -> np.ndarray:
        """One column of :meth:`executive_table`, shape (quarters so far, firms, roles)."""
        return self.state.exec_record[: self.steps + 1, EXEC_COLUMNS.index(name)]

    def _ids(self) -> dict[str, Any]:
        return {
            "run_id": self.run_id,
            "scenario": self.scenario_name,
            "seed": self.seed if self.seed is not None else -1,
        }

    def firm_table(self):
        """Tidy per-quarter per-firm table (pandas), up to the current quarter."""
        import pandas as pd

        n_q, f = self.steps + 1, self.n_firms
        data: dict[str, Any] = {
            **self._ids(),
            "step": np.repeat(np.arange(n_q), f).astype(np.int32),
            "firm": np.tile(np.arange(f), n_q).astype(np.int32),
        }
        for j, c in enumerate(FIRM_COLUMNS):
            col = self.state.firm_record[:n_q, j].ravel()
            data[c] = col.astype(np.int32) if c in INT_COLUMNS else col
        return pd.DataFrame(data)

    def executive_table(self):
        """Tidy per-quarter per-executive table (pandas)."""
        import pandas as pd

        n_q, f = self.steps + 1, self.n_firms
        data: dict[str, Any] = {
            **self._ids(),
            "step": np.repeat(np.arange(n_q), f * 3).astype(np.int32),
            "firm": np.tile(np.repeat(np.arange(f), 3), n_q).astype(np.int32),
            "role": np.tile(np.array(list(ROLES) * f), n_q),
        }
        for j, c in enumerate(EXEC_COLUMNS):
            data[c] = self.state.exec_record[:n_q, j].reshape(-1)
        return pd.DataFrame(data)
