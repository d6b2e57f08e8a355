"""The customer population as numpy arrays (no mesa import).

Customers hold a brand (the firm they buy from), a taste for experience versus product, and a
directed social network in CSR form (every customer listens to ``degree`` others: a ring lattice
with a share of ties rewired at random, Watts & Strogatz 1998). Each quarter a share of customers
reconsiders and picks a firm by a multinomial logit over product quality, customer experience and
personalisation weighted by taste and pressure, word of mouth and a switching cost.

Speed: the quarter's choice, the brand counts and the network's construction run as compiled loops
(numba, ``cache=True``, compiled on first use and loaded from numba's cache afterwards), and as
vectorised numpy with ``ORGSIM_NO_NUMBA=1`` (see :mod:`orgsim.model.jit`). Both paths draw the same uniforms from the model's
generator in the same order and do the same floating-point operations in the same order, so they
give the same results for a given seed (tests/test_benchmarks.py checks it).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from orgsim.model import jit


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
    uniform = rng.random((n, degree))
    draw = rng.integers(0, n - 1, size=(n, degree))
    kernels = _kernels()
    if kernels is not None:
        indices = np.empty(n * degree, dtype=np.int32)
        kernels["ties"](uniform, draw, offset, rewiring, indices)
        return indptr, indices
    ring = (np.arange(n)[:, None] + offset[None, :]) % n
    draw = draw + (draw >= np.arange(n)[:, None])  # skip self
    indices = np.where(uniform < rewiring, draw, ring).astype(np.int32).ravel()
    return indptr, indices


# -- compiled loops (plain functions here; compiled by numba on first use, see _kernels) -------
def _ties_loop(uniform, draw, offset, rewiring, out):  # pragma: no cover - runs compiled
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


def _count_loop(brand, firms):  # pragma: no cover - runs compiled
    out = np.zeros(firms, dtype=np.int64)
    for i in range(brand.shape[0]):
        out[brand[i]] += 1
    return out


def _reconsider_loop(r, threshold, who):  # pragma: no cover - runs compiled
    """Indices of the customers whose uniform is below ``threshold`` into ``who``; returns how many."""
    m = 0
    for i in range(r.shape[0]):
        if r[i] < threshold:
            who[m] = i
            m += 1
    return m


def _choice_loop(
    brand, taste, indices, degree, who, u_draw, product, gap, w_scale, bwom, switching_cost, pick
):  # pragma: no cover - runs compiled
    """The logit choice of the customers ``who`` (brands of the start of the quarter), into ``pick``.

    The same operations in the same order as :meth:`Customers.choose_numpy`, customer by customer.
    Returns how many switched; the caller writes the picks back.
    """
    f_n = product.shape[0]
    counts = np.zeros(f_n, dtype=np.int64)
    util = np.empty(f_n)
    wom = np.empty(degree + 1)  # the word-of-mouth term for each neighbour count (same values as computed inline)
    for c in range(degree + 1):
        wom[c] = bwom * (c / degree) if degree > 0 else 0.0
    switched = 0
    for j in range(who.shape[0]):
        i = who[j]
        w = taste[i] * w_scale
        for f in range(f_n):
            util[f] = product[f] + w * gap[f]
        if bwom != 0.0 and degree > 0:
            counts[:] = 0
            for s in range(i * degree, (i + 1) * degree):
                counts[brand[indices[s]]] += 1
            for f in range(f_n):
                util[f] += wom[counts[f]]
        own = brand[i]
        util[own] += switching_cost
        top = util[0]
        for f in range(1, f_n):
            if util[f] > top:
                top = util[f]
        total = 0.0
        for f in range(f_n):
            total += np.exp(util[f] - top)
            util[f] = total  # the cumulative weight
        threshold = u_draw[j] * total
        p = 0
        for f in range(f_n):
            if util[f] < threshold:
                p += 1
        pick[j] = p
        if p != own:
            switched += 1
    return switched


def _write_loop(brand, who, pick):  # pragma: no cover - runs compiled
    for j in range(who.shape[0]):
        brand[who[j]] = pick[j]


_KERNELS: dict[str, Any] = {}


def _kernels() -> dict[str, Any] | None:
    """The compiled loops, or None with ORGSIM_NO_NUMBA=1 (numpy is used then)."""
    return jit.compiled(
        _KERNELS,
        {
            "ties": _ties_loop,
            "count": _count_loop,
            "reconsider": _reconsider_loop,
            "choice": _choice_loop,
            "write": _write_loop,
        },
    )


def _firm_terms(x: ChoiceInputs) -> tuple[np.ndarray, np.ndarray, float]:
    """Per-firm product utility, service minus product utility, and the taste scale of the experience weight."""
    product = x.beta_quality * np.asarray(x.quality, dtype=np.float64)
    service = x.beta_experience * np.asarray(
        x.experience, dtype=np.float64
    ) + x.beta_personalisation * x.pressure * np.asarray(x.analytics, dtype=np.float64)
    w_scale = x.experience_weight_floor + (1.0 - x.experience_weight_floor) * x.pressure
    return product, service - product, float(w_scale)


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
        self._kernels = _kernels()  # compiled loops, or None (numpy; ORGSIM_NO_NUMBA=1)
        dtype = np.int8 if firms <= 127 else np.int16
        self.brand = rng.integers(0, firms, size=n).astype(dtype)
        self.taste = beta_draws(rng, taste_mean, taste_concentration, n)
        self.indptr, self.indices = small_world(n, degree, rewiring, rng)
        self.degree = int(self.indptr[1] - self.indptr[0]) if n else 0
        self._buffers: tuple[np.ndarray, np.ndarray, np.ndarray] | None = None

    def counts(self) -> np.ndarray:
        kernels = self._kernels
        if kernels is not None:
            return kernels["count"](self.brand, self.firms)
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
        """One quarter of brand choice; returns how many customers switched firm.

        Draws ``n`` uniforms (who reconsiders), then one per reconsidering customer (its pick).
        """
        kernels = self._kernels
        if kernels is None:
            return self.choose_numpy(x, rng)
        if self._buffers is None:  # reused every quarter: no allocation on the hot path
            self._buffers = (
                np.empty(self.n),
                np.empty(self.n, dtype=np.int32),
                np.empty(self.n, dtype=self.brand.dtype),
            )
        r, who_buf, pick_buf = self._buffers
        rng.random(out=r)
        m = kernels["reconsider"](r, float(x.reconsider), who_buf)
        who, pick = who_buf[:m], pick_buf[:m]
        u_draw = rng.random(out=r[:m])  # r is no longer needed: its first m slots take the picks' uniforms
        if m == 0:
            return 0
        product, gap, w_scale = _firm_terms(x)
        switched = kernels["choice"](
            self.brand,
            self.taste,
            self.indices,
            self.degree,
            who,
            u_draw,
            product,
            gap,
            w_scale,
            float(x.beta_word_of_mouth),
            float(x.switching_cost),
            pick,
        )
        kernels["write"](self.brand, who, pick)
        return int(switched)

    def choose_numpy(self, x: ChoiceInputs, rng: np.random.Generator) -> int:
        """:meth:`choose` in vectorised numpy (the path without numba; same draws, same results)."""
        who = np.flatnonzero(rng.random(self.n) < x.reconsider)
        u_draw = rng.random(len(who))
        if len(who) == 0:
            return 0
        product, gap, w_scale = _firm_terms(x)
        w = (self.taste[who] * w_scale)[:, None]
        util = product[None, :] + w * gap[None, :]
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
