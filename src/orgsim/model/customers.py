"""The customer population as numpy arrays (no mesa import).

Customers hold a brand (the firm they buy from), a taste for experience versus product, and a
directed social network in CSR form (every customer listens to ``degree`` others: a ring lattice
with a share of ties rewired at random, Watts & Strogatz 1998). Each quarter a share of customers
reconsiders and picks a firm by a multinomial logit over product quality, customer experience and
personalisation weighted by taste and pressure, word of mouth and a switching cost.

The choice rule is :func:`orgsim.model.rules.choice.pick`, called customer by customer by a
compiled loop (:mod:`orgsim.model.jit`: numba, or the same code as plain Python with
``ORGSIM_NO_NUMBA=1``); the uniforms come from the model's generator, drawn here in numpy.
"""

from __future__ import annotations

from typing import NamedTuple

import numpy as np

from orgsim.model import jit
from orgsim.model.rules import choice


class ChoiceInputs(NamedTuple):
    """What customers see of the firms this quarter (arrays of shape (F,)) and how they weigh it."""

    quality: np.ndarray
    experience: np.ndarray
    analytics: np.ndarray
    pressure: float
    beta_quality: float
    beta_experience: float
    beta_personalisation: float
    beta_word_of_mouth: float
    switching_cost: float
    experience_weight_floor: float
    reconsider: float


def beta_draws(rng: np.random.Generator, mean: float, concentration: float, size: int) -> np.ndarray:
    """Beta draws with a given mean and concentration (a + b); a degenerate shape gives the mean."""
    a, b = mean * concentration, (1.0 - mean) * concentration
    if a < 1e-9 or b < 1e-9:
        return np.full(size, float(mean))
    return rng.beta(a, b, size=size)


def small_world(n: int, degree: int, rewiring: float, rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    """Directed small-world network as CSR ``(indptr, indices)``; no self-ties.

    Slot ``j`` of customer ``i`` points to ``i ± (j // 2 + 1)`` on a ring, or, with probability
    ``rewiring``, to a customer drawn uniformly among the others.
    """
    degree = min(degree, n - 1)
    indptr = np.arange(n + 1, dtype=np.int64) * degree
    if degree == 0:
        return indptr, np.empty(0, dtype=np.int32)
    slot = np.arange(degree)
    offset = (slot // 2 + 1) * np.where(slot % 2 == 0, 1, -1)
    uniform = rng.random((n, degree))
    draw = rng.integers(0, n - 1, size=(n, degree))
    indices = np.empty(n * degree, dtype=np.int32)
    _ties(uniform, draw, offset, rewiring, indices)
    return indptr, indices


# -- compiled loops (plain functions; numba compiles them on first use, see orgsim.model.jit) ----
@jit.kernel
def _ties(uniform, draw, offset, rewiring, out):
    """small_world's ties: the ring neighbour or, where uniform < rewiring, the draw (skipping self)."""
    n, k = uniform.shape
    for i in range(n):
        for s in range(k):
            if uniform[i, s] < rewiring:
                j = draw[i, s]
                if j >= i:
                    j += 1
            else:
                j = (i + offset[s]) % n
            out[i * k + s] = j


@jit.kernel
def _count(brand, firms):
    out = np.zeros(firms, dtype=np.int64)
    for i in range(brand.shape[0]):
        out[brand[i]] += 1
    return out


@jit.kernel
def _reconsidering(r, threshold, who):
    """Indices of the customers whose uniform is below ``threshold`` into ``who``; returns how many."""
    m = 0
    for i in range(r.shape[0]):
        if r[i] < threshold:
            who[m] = i
            m += 1
    return m


@jit.kernel
def _choose(brand, taste, indices, degree, who, u_draw, x, pick):
    """The customers ``who`` pick a firm (:func:`orgsim.model.rules.choice.pick`) from the brands of
    the start of the quarter, then all switch together. Returns how many switched."""
    product, gap, w_scale = choice.firm_terms(
        x.quality, x.experience, x.analytics, x.pressure, x.beta_quality, x.beta_experience,
        x.beta_personalisation, x.experience_weight_floor,
    )  # fmt: skip
    bwom = x.beta_word_of_mouth
    f_n = product.shape[0]
    counts = np.zeros(f_n, dtype=np.int64)
    util = np.empty(f_n)
    n_wom = degree + 1 if (bwom != 0.0 and degree > 0) else 0
    wom = np.empty(n_wom)  # the word-of-mouth utility of each neighbour count
    for c in range(n_wom):
        wom[c] = bwom * (c / degree)
    switched = 0
    for j in range(who.shape[0]):
        i = who[j]
        if n_wom > 0:
            counts[:] = 0
            for s in range(i * degree, (i + 1) * degree):
                counts[brand[indices[s]]] += 1
        pick[j] = choice.pick(brand[i], taste[i], counts, u_draw[j], product, gap, w_scale, wom, x.switching_cost, util)
        if pick[j] != brand[i]:
            switched += 1
    for j in range(who.shape[0]):
        brand[who[j]] = pick[j]
    return switched


class Customers:
    """N customers of F firms."""

    def __init__(
        self,
        n: int,
        firms: int,
        degree: int,
        rewiring: float,
        taste_mean: float,
        taste_concentration: float,
        rng: np.random.Generator,
    ) -> None:
        self.n = n
        self.firms = firms
        dtype = np.int8 if firms <= 127 else np.int16
        self.brand = rng.integers(0, firms, size=n).astype(dtype)
        self.taste = beta_draws(rng, taste_mean, taste_concentration, n)
        self.indptr, self.indices = small_world(n, degree, rewiring, rng)
        self.degree = int(self.indptr[1] - self.indptr[0]) if n else 0
        self._buffers: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None
        self.year_brand = self.brand.copy()  # every customer's brand at the start of the year (churn)
        self.year_counts = self.counts()

    def start_year(self) -> None:
        """Remember every customer's brand now, as the start of a year for :meth:`churn` (no draws)."""
        np.copyto(self.year_brand, self.brand)
        self.year_counts = self.counts()

    def churn(self) -> np.ndarray:
        """Per firm: the share of its customers at the start of the year (:meth:`start_year`) who buy
        from another firm now; 0 for a firm that had none. Vectorised, draws no random numbers."""
        lost = np.bincount(self.year_brand[self.brand != self.year_brand], minlength=self.firms)
        start = self.year_counts
        return np.divide(lost, start, out=np.zeros(self.firms), where=start > 0)

    def counts(self) -> np.ndarray:
        return _count(self.brand, self.firms)

    def shares(self) -> np.ndarray:
        return self.counts() / self.n

    def choose(self, x: ChoiceInputs, rng: np.random.Generator) -> int:
        """One quarter of brand choice; returns how many customers switched firm.

        Draws ``n`` uniforms (who reconsiders), then one per reconsidering customer (its pick).
        """
        if self._buffers is None:  # reused every quarter: no allocation on the hot path
            self._buffers = (
                np.empty(self.n),
                np.empty(self.n, dtype=np.int32),
                np.empty(self.n, dtype=self.brand.dtype),
            )
        r, who_buf, pick_buf = self._buffers
        rng.random(out=r)
        m = _reconsidering(r, float(x.reconsider), who_buf)
        who, pick = who_buf[:m], pick_buf[:m]
        u_draw = rng.random(out=r[:m])  # r is no longer needed: its first m slots take the picks' uniforms
        if m == 0:
            return 0
        f64 = np.float64
        x = x._replace(  # the types numba compiled for: float arrays and floats
            **{k: np.asarray(getattr(x, k), f64) for k in ("quality", "experience", "analytics")},
            **{k: float(getattr(x, k)) for k in ChoiceInputs._fields[3:]},
        )
        switched = _choose(self.brand, self.taste, self.indices, self.degree, who, u_draw, x, pick)
        return int(switched)
