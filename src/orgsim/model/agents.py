"""Executive agents: the face of the executives for Mesa users.

Each CMO, CIO and CFO of each firm is a ``mesa.Agent`` (``model.agents``, ``model.agents_by_type``,
``AgentSet.select/agg/groupby``). Its state lives in the model's arrays (:class:`orgsim.model.quarter.State`),
which its attributes view; what it does each quarter is the rules of :mod:`orgsim.model.rules`,
applied by the model's quarter (:mod:`orgsim.model.quarter`) to all executives at once.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

import mesa
import numpy as np

from orgsim.model.roles import ROLES

if TYPE_CHECKING:
    from orgsim.model.market import Market


def _view(array: str, doc: str, kind: type = float) -> property:
    """A property reading and writing this executive's entry of the model's array ``array``."""

    def get(self: Executive):
        return kind(getattr(self.model.state, array)[self.firm, self.role])

    def set_(self: Executive, value) -> None:
        getattr(self.model.state, array)[self.firm, self.role] = value

    return property(get, set_, doc=doc)


class Executive(mesa.Agent):
    """A CMO, CIO or CFO of one firm.

    Holds a cooperation propensity toward each of its two peers (``coop[peer]``), a propensity to
    brief the CEO, political effort and its beliefs about what joint work and briefing pay; it sees
    its influence (the CEO's trust), its credit, the CEO's attention its briefing got and its payoff.
    """

    model: Market

    def __init__(self, model: Market, firm: int, role: int) -> None:
        super().__init__(model)
        self.firm = firm
        self.role = role

    influence = _view("influence", "Its share of the CEO's trust.")
    credit = _view("credits", "The CEO's credit this quarter.")
    effort = _view("effort", "Political effort in the budget round.")
    payoff = _view("payoff", "This quarter's payoff: influence gain plus the weighted margin.")
    brief = _view("p_brief", "Its propensity to brief the CEO.")
    briefed = _view("briefed", "Whether it briefed the CEO this quarter.", kind=bool)
    attention = _view("attention", "The CEO's attention share its briefing got this quarter (0 without one).")
    fixed_brief = _view("fixed_brief", "Briefing held fixed by an experiment.", kind=bool)

    @property
    def coop(self) -> np.ndarray:
        """Propensity to be willing to work with each role (own entry 0): a view of ``p_coop[firm, role]``."""
        return self.model.state.p_coop[self.firm, self.role]

    @coop.setter
    def coop(self, value: np.ndarray) -> None:
        self.model.state.p_coop[self.firm, self.role] = value

    @property
    def willing(self) -> np.ndarray:
        """This quarter's proposals, per peer (a view)."""
        return self.model.state.willing[self.firm, self.role]

    @property
    def fixed(self) -> np.ndarray:
        """Propensities held fixed by an experiment (focal firm), per peer (a view)."""
        return self.model.state.fixed[self.firm, self.role]

    @property
    def beliefs(self) -> np.ndarray:
        """Per peer: ``[S_joint, W_joint, S_alone, W_alone]`` (a view)."""
        return self.model.state.beliefs[self.firm, self.role]

    @property
    def brief_beliefs(self) -> np.ndarray:
        """For briefing: ``[S_briefed, W_briefed, S_not, W_not]`` (a view)."""
        return self.model.state.brief_beliefs[self.firm, self.role]

    @property
    def role_name(self) -> str:
        return ROLES[self.role]

    def peers(self) -> tuple[int, int]:
        a, b = (r for r in range(3) if r != self.role)
        return a, b

    def fix(self, peer: int | None, value: float) -> None:
        """Hold a propensity (toward ``peer``, or briefing if ``peer`` is None) at ``value``."""
        if peer is None:
            self.brief, self.fixed_brief = value, True
        else:
            self.coop[peer] = value
            self.fixed[peer] = True
