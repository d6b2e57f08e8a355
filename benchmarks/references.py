"""Two references for orgsim's customer choice rule (``orgsim.model.customers.Customers.choose``).

The rule, one quarter: every customer reconsiders with probability ``reconsider``. A customer who
does sees, for each firm ``f``, the utility

    u_f = bq*quality_f + w * (service_f - bq*quality_f) + bwom * (neighbours at f / degree)
          + switching_cost * [f == own brand]

with ``w = taste * (floor + (1 - floor) * pressure)`` and
``service_f = be*experience_f + bp*pressure*analytics_f``, and picks a firm by the logit
(probabilities proportional to ``exp(u_f)``) with one uniform draw: the first firm whose cumulative
weight reaches ``uniform * total``. All customers see the brands of the start of the quarter (a
synchronous update).

* :class:`MesaMarket` writes it as a Mesa user would: one ``mesa.Agent`` per customer holding its
  brand, taste and list of neighbours; ``step`` loops over the firms in Python and draws from the
  model's ``rng``; ``advance`` commits the new brand (simultaneous activation).
* :func:`fused_quarter` is one compiled loop (numba) over the customers that draws its own
  uniforms (numba's generator), and :func:`fused_quarter_with` takes them as arrays (for tests).
"""

from __future__ import annotations

import math

import mesa
import numpy as np
from numba import njit

from orgsim.model.customers import ChoiceInputs


def firm_terms(x: ChoiceInputs) -> tuple[np.ndarray, np.ndarray, float]:
    """Per-firm product utility, (service - product) and the taste scale of the experience weight."""
    product = x.beta_quality * np.asarray(x.quality, dtype=float)
    service = x.beta_experience * np.asarray(
        x.experience, dtype=float
    ) + x.beta_personalisation * x.pressure * np.asarray(x.analytics, dtype=float)
    w_scale = x.experience_weight_floor + (1.0 - x.experience_weight_floor) * x.pressure
    return product, service - product, w_scale


# -- (i) plain Mesa ---------------------------------------------------------------------------
class Customer(mesa.Agent):
    """One customer: brand, taste, neighbours (a list of Customer agents)."""

    def __init__(self, model: MesaMarket, brand: int, taste: float) -> None:
        super().__init__(model)
        self.brand = brand
        self.next_brand = brand
        self.taste = taste
        self.neighbours: list[Customer] = []

    def step(self) -> None:
        m = self.model
        self.next_brand = self.brand
        if m.rng.random() >= m.reconsider:
            return
        u_draw = m.rng.random()
        w = self.taste * m.w_scale
        counts = [0] * m.n_firms
        for other in self.neighbours:
            counts[other.brand] += 1
        k = len(self.neighbours)
        utils = []
        for f in range(m.n_firms):
            u = m.product[f] + w * m.gap[f]
            if m.bwom and k:
                u += m.bwom * (counts[f] / k)
            if f == self.brand:
                u += m.switching_cost
            utils.append(u)
        top = max(utils)
        cum, total = [], 0.0
        for u in utils:
            total += math.exp(u - top)
            cum.append(total)
        threshold = u_draw * total
        self.next_brand = sum(1 for c in cum if c < threshold)

    def advance(self) -> None:
        if self.next_brand != self.brand:
            self.model.switched += 1
        self.brand = self.next_brand


class MesaMarket(mesa.Model):
    """N Customer agents of F firms on a given network (CSR ``indptr``, ``indices``)."""

    def __init__(
        self,
        brand: np.ndarray,
        taste: np.ndarray,
        indptr: np.ndarray,
        indices: np.ndarray,
        x: ChoiceInputs,
        rng: int | np.random.Generator = 0,
    ) -> None:
        super().__init__(rng=rng)
        self.set_inputs(x)
        self.customers = [Customer(self, int(b), float(t)) for b, t in zip(brand, taste, strict=True)]
        for i, c in enumerate(self.customers):
            c.neighbours = [self.customers[j] for j in indices[indptr[i] : indptr[i + 1]]]
        self.switched = 0

    def set_inputs(self, x: ChoiceInputs) -> None:
        product, gap, w_scale = firm_terms(x)
        self.n_firms = len(product)
        self.product, self.gap = product.tolist(), gap.tolist()
        self.w_scale = w_scale
        self.bwom = float(x.beta_word_of_mouth)
        self.switching_cost = float(x.switching_cost)
        self.reconsider = float(x.reconsider)

    def step(self) -> None:
        self.switched = 0
        self.agents.do("step")
        self.agents.do("advance")

    def brands(self) -> np.ndarray:
        return np.array([c.brand for c in self.customers])


# -- (ii) one fused compiled loop -------------------------------------------------------------
@njit(cache=True, inline="always")
def _pick(i, brand, taste, indices, degree, product, gap, w_scale, bwom, switching_cost, u_draw, counts, util):
    f_n = product.shape[0]
    counts[:] = 0
    for s in range(i * degree, (i + 1) * degree):
        counts[brand[indices[s]]] += 1
    w = taste[i] * w_scale
    own = brand[i]
    top = -np.inf
    for f in range(f_n):
        u = product[f] + w * gap[f]
        if bwom != 0.0 and degree > 0:
            u += bwom * (counts[f] / degree)
        if f == own:
            u += switching_cost
        util[f] = u
        if u > top:
            top = u
    total = 0.0
    for f in range(f_n):
        total += np.exp(util[f] - top)
        util[f] = total  # cumulative weight
    threshold = u_draw * total
    pick = 0
    for f in range(f_n):
        if util[f] < threshold:
            pick += 1
    return pick


@njit(cache=True)
def fused_seed(seed):
    np.random.seed(seed)


@njit(cache=True)
def fused_quarter(brand, new_brand, taste, indices, degree, product, gap, w_scale, bwom, switching_cost, reconsider):
    """One quarter, uniforms from numba's generator; writes ``new_brand``; returns the switchers."""
    f_n = product.shape[0]
    counts = np.zeros(f_n, dtype=np.int64)
    util = np.empty(f_n)
    switched = 0
    for i in range(brand.shape[0]):
        b = brand[i]
        if np.random.random() < reconsider:
            p = _pick(
                i,
                brand,
                taste,
                indices,
                degree,
                product,
                gap,
                w_scale,
                bwom,
                switching_cost,
                np.random.random(),
                counts,
                util,
            )
            if p != b:
                switched += 1
            b = p
        new_brand[i] = b
    return switched


@njit(cache=True)
def fused_quarter_with(
    brand, new_brand, taste, indices, degree, product, gap, w_scale, bwom, switching_cost, reconsider, r, u
):
    """The same loop with given uniforms: ``r`` (one per customer), ``u`` (one per reconsiderer, in order)."""
    f_n = product.shape[0]
    counts = np.zeros(f_n, dtype=np.int64)
    util = np.empty(f_n)
    switched = 0
    j = 0
    for i in range(brand.shape[0]):
        b = brand[i]
        if r[i] < reconsider:
            p = _pick(i, brand, taste, indices, degree, product, gap, w_scale, bwom, switching_cost, u[j], counts, util)
            j += 1
            if p != b:
                switched += 1
            b = p
        new_brand[i] = b
    return switched


class FusedMarket:
    """Arrays and a double-buffered brand for :func:`fused_quarter` (a regular-degree CSR network)."""

    def __init__(self, brand, taste, indptr, indices, x: ChoiceInputs, seed: int = 0) -> None:
        n = len(brand)
        self.brand = np.ascontiguousarray(brand, dtype=np.int8)
        self.spare = np.empty_like(self.brand)
        self.taste = np.ascontiguousarray(taste, dtype=np.float64)
        self.indices = np.ascontiguousarray(indices, dtype=np.int32)
        self.degree = int(indptr[1] - indptr[0]) if n else 0
        self.set_inputs(x)
        fused_seed(seed)

    def set_inputs(self, x: ChoiceInputs) -> None:
        self.product, self.gap, self.w_scale = firm_terms(x)
        self.bwom, self.switching_cost, self.reconsider = (
            float(x.beta_word_of_mouth),
            float(x.switching_cost),
            float(x.reconsider),
        )

    def _args(self):
        return (
            self.brand,
            self.spare,
            self.taste,
            self.indices,
            self.degree,
            self.product,
            self.gap,
            self.w_scale,
            self.bwom,
            self.switching_cost,
            self.reconsider,
        )

    def step(self, r: np.ndarray | None = None, u: np.ndarray | None = None) -> int:
        if r is None:
            switched = fused_quarter(*self._args())
        else:
            switched = fused_quarter_with(*self._args(), r, u)
        self.brand, self.spare = self.spare, self.brand
        return int(switched)
