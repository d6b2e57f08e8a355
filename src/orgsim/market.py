"""The customer population as numpy arrays (no mesa import).

Customers hold a brand (the firm they buy from), a taste for experience versus product, and a
directed social network in CSR form (every customer listens to ``degree`` others: a ring lattice
with a share of ties rewired at random, Watts & Strogatz 1998). Each quarter a share of customers
reconsiders and picks a firm by a multinomial logit over product quality, customer experience and
personalisation weighted by taste and pressure, word of mouth and a switching cost.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np


@dataclass(frozen=True)
class ChoiceInputs:
    """What customers see of the firms this quarter (arrays of shape (F,))."""

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
    ring = (np.arange(n)[:, None] + offset[None, :]) % n
    rewire = rng.random((n, degree)) < rewiring
    draw = rng.integers(0, n - 1, size=(n, degree))
    draw = draw + (draw >= np.arange(n)[:, None])  # skip self
    indices = np.where(rewire, draw, ring).astype(np.int32).ravel()
    return indptr, indices


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

    def counts(self) -> np.ndarray:
        return np.bincount(self.brand, minlength=self.firms)

    def shares(self) -> np.ndarray:
        return self.counts() / self.n

    def neighbour_shares(self, who: np.ndarray) -> np.ndarray:
        """Share of each customer's neighbours at each firm, shape (len(who), F)."""
        m, f, k = len(who), self.firms, self.degree
        if k == 0 or m == 0:
            return np.zeros((m, f))
        nb = self.indices.reshape(self.n, k)[who]
        keys = (np.arange(m, dtype=np.int64)[:, None] * f + self.brand[nb]).ravel()
        return np.bincount(keys, minlength=m * f).reshape(m, f) / k

    def choose(self, x: ChoiceInputs, rng: np.random.Generator) -> int:
        """One quarter of brand choice; returns how many customers switched firm."""
        who = np.flatnonzero(rng.random(self.n) < x.reconsider)
        u_draw = rng.random(len(who))
        if len(who) == 0:
            return 0
        w_scale = x.experience_weight_floor + (1.0 - x.experience_weight_floor) * x.pressure
        w = (self.taste[who] * w_scale)[:, None]
        product = x.beta_quality * x.quality
        service = x.beta_experience * x.experience + x.beta_personalisation * x.pressure * x.analytics
        util = product[None, :] + w * (service - product)[None, :]
        if x.beta_word_of_mouth:
            util += x.beta_word_of_mouth * self.neighbour_shares(who)
        current = self.brand[who].astype(np.int64)
        util[np.arange(len(who)), current] += x.switching_cost
        util -= util.max(axis=1, keepdims=True)
        cum = np.cumsum(np.exp(util), axis=1)
        pick = (cum < (u_draw * cum[:, -1])[:, None]).sum(axis=1)
        switched = int(np.count_nonzero(pick != current))
        self.brand[who] = pick.astype(self.brand.dtype)
        return switched
