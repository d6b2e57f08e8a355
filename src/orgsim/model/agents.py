"""Executive agents: decide (propose), learn, then commit (advance)."""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from orgsim.model.rules import learning
from orgsim.model.rules.budget import CMO, ROLES

if TYPE_CHECKING:
    from orgsim.model.market import Market


class Executive(mesa.Agent):
    """A CMO, CIO or CFO of one firm.

    Holds a cooperation propensity toward each of its two peers (``coop[role]``), political
    effort, its beliefs about what joint work pays and, for the CMO, a propensity to brief the
    CEO. Its state lives in the model's arrays (``p_coop``, ``p_brief``, ``effort``, ``willing``,
    ``payoff``, ``beliefs``, ``influence``; indexed by firm and role), which the attributes here
    read and write, so the suite can also be stepped as arrays (:mod:`orgsim.model.quarter`).
    """

    model: Market

    def __init__(self, model: Market, firm: int, role: int, coop: np.ndarray, brief: float, effort: float) -> None:
        super().__init__(model)
        self.firm = firm
        self.role = role
        self.coop = np.asarray(coop, dtype=float)  # propensity toward each role; own entry unused
        self.coop[role] = 0.0
        self.brief = float(brief) if role == CMO else 0.0
        self.effort = float(effort)
        self.beliefs = model.beliefs[firm, role]  # per peer: payoff evidence (a view of the model's array)
        self.fixed_brief = False
        self._next_coop = self.coop.copy()
        self._next_brief = self.brief

    # the executive's state, held in the model's arrays
    @property
    def coop(self) -> np.ndarray:
        """Propensity toward each role (a view of the model's ``p_coop[firm, role]``)."""
        return self.model.p_coop[self.firm, self.role]

    @coop.setter
    def coop(self, value: np.ndarray) -> None:
        self.model.p_coop[self.firm, self.role] = value

    @property
    def brief(self) -> float:
        return float(self.model.p_brief[self.firm]) if self.role == CMO else 0.0

    @brief.setter
    def brief(self, value: float) -> None:
        if self.role == CMO:
            self.model.p_brief[self.firm] = value

    @property
    def effort(self) -> float:
        return float(self.model.effort[self.firm, self.role])

    @effort.setter
    def effort(self, value: float) -> None:
        self.model.effort[self.firm, self.role] = value

    @property
    def willing(self) -> np.ndarray:
        return self.model.willing[self.firm, self.role]

    @willing.setter
    def willing(self, value: np.ndarray) -> None:
        self.model.willing[self.firm, self.role] = value

    @property
    def briefed(self) -> bool:
        return bool(self.model.briefed[self.firm]) if self.role == CMO else False

    @briefed.setter
    def briefed(self, value: bool) -> None:
        if self.role == CMO:
            self.model.briefed[self.firm] = value

    @property
    def payoff(self) -> float:
        return float(self.model.payoff[self.firm, self.role])

    @payoff.setter
    def payoff(self, value: float) -> None:
        self.model.payoff[self.firm, self.role] = value

    @property
    def fixed(self) -> np.ndarray:
        """Propensities held fixed by an experiment (focal firm), a view of the model's ``fixed``."""
        return self.model.fixed[self.firm, self.role]

    @property
    def fixed_brief(self) -> bool:
        return bool(self.model.fixed_brief[self.firm]) if self.role == CMO else False

    @fixed_brief.setter
    def fixed_brief(self, value: bool) -> None:
        if self.role == CMO:
            self.model.fixed_brief[self.firm] = value

    @property
    def role_name(self) -> str:
        return ROLES[self.role]

    @property
    def influence(self) -> float:
        return float(self.model.influence[self.firm, self.role])

    def peers(self) -> tuple[int, int]:
        a, b = (r for r in range(3) if r != self.role)
        return a, b

    # -- decide -------------------------------------------------------------------------------
    def propose(self) -> None:
        """Decide, for this quarter, with whom to work and (CMO) whether to brief the CEO."""
        draws = self.rng.random(3)
        willing = draws < self.coop
        willing[self.role] = False
        self.willing = willing
        if self.role == CMO:
            self.briefed = bool(self.rng.random() < self.brief)

    # -- learn --------------------------------------------------------------------------------
    def learn(self, belief_coop: np.ndarray, belief_brief: float, payoff: float, margins: np.ndarray) -> None:
        """Take the propensities its updated beliefs imply, then benchmark; results wait in ``_next_*``.

        ``belief_coop`` (per peer) and ``belief_brief`` are the propensities after this quarter's
        belief update (computed for all executives at once by the model from the evidence each
        perceives); ``margins`` are every firm's recent profit margins, for benchmarking.
        """
        lp = self.model.config.learning
        mech = self.model.config.mechanisms
        self.payoff = payoff
        coop = self.coop.copy()
        for peer in self.peers():
            coop[peer] = belief_coop[peer]
        brief = belief_brief if self.role == CMO else self.brief
        firms = self.model.config.market.firms
        if mech.imitation and self.rng.random() < lp.imitation_rate:
            other = int(self.rng.integers(0, firms - 1))
            other += other >= self.firm
            w = learning.imitation_weight(margins[self.firm], margins[other], lp.imitation_scale)
            if w > 0:
                model_exec = self.model.executive(other, self.role)
                for peer in self.peers():
                    coop[peer] = learning.imitate(coop[peer], model_exec.coop[peer], w)
                if self.role == CMO:
                    brief = learning.imitate(brief, model_exec.brief, w)
        if lp.exploration > 0:
            noise = self.rng.normal(0.0, lp.exploration, 3)
            for peer in self.peers():
                coop[peer] = learning.drift(coop[peer], noise[peer])
            if self.role == CMO:
                brief = learning.drift(brief, noise[self.role])
        coop[self.fixed] = self.coop[self.fixed]
        if self.fixed_brief:
            brief = self.brief
        self._next_coop, self._next_brief = coop, brief

    def fix(self, peer: int | None, value: float) -> None:
        """Hold a propensity (toward ``peer``, or briefing if ``peer`` is None) at ``value``."""
        if peer is None:
            self.brief, self._next_brief, self.fixed_brief = value, value, True
        else:
            self.coop[peer] = self._next_coop[peer] = value
            self.fixed[peer] = True

    def advance(self) -> None:
        """Commit what ``learn`` decided (all executives learn from the same state)."""
        self.coop, self.brief = self._next_coop, self._next_brief
