"""Customers' brand choice: one customer's logit (random-utility) pick (compiled where called).

A reconsidering customer sees, for each firm ``f``, the utility

    u_f = bq*quality_f + w * (service_f - bq*quality_f) + bwom * (neighbours at f / degree)
          + switching_cost * [f == own brand]

with ``w = taste * (floor + (1 - floor) * pressure)`` (customers weigh experience and
personalisation more under pressure) and ``service_f = be*experience_f + bp*pressure*analytics_f``,
and picks a firm by the logit (probabilities proportional to ``exp(u_f)``) with one uniform draw:
the first firm whose cumulative weight reaches ``uniform * total``.
"""

from __future__ import annotations

import numpy as np
from numba.extending import register_jitable


@register_jitable
def firm_terms(quality, experience, analytics, pressure, beta_quality, beta_experience, beta_personalisation,
               floor):  # fmt: skip
    """Per-firm product utility, service minus product utility, and the taste scale of the experience weight."""
    f_n = quality.shape[0]
    product = np.empty(f_n)
    gap = np.empty(f_n)
    for f in range(f_n):
        product[f] = beta_quality * quality[f]
        service = beta_experience * experience[f] + beta_personalisation * pressure * analytics[f]
        gap[f] = service - product[f]
    return product, gap, floor + (1.0 - floor) * pressure


@register_jitable
def pick(own, taste, neighbour_counts, u_draw, product, gap, w_scale, wom, switching_cost, util):
    """The firm one customer picks: its utilities (``util``, scratch of length F), the logit, one draw.

    ``neighbour_counts[f]`` is how many of its neighbours buy from firm ``f`` (ignored if ``wom`` is
    empty); ``wom[c]`` is the word-of-mouth utility of ``c`` neighbours at a firm.
    """
    f_n = product.shape[0]
    w = taste * w_scale
    for f in range(f_n):
        util[f] = product[f] + w * gap[f]
    if wom.shape[0] > 0:
        for f in range(f_n):
            util[f] += wom[neighbour_counts[f]]
    util[own] += switching_cost
    top = util[0]
    for f in range(1, f_n):
        if util[f] > top:
            top = util[f]
    total = 0.0
    for f in range(f_n):
        total += np.exp(util[f] - top)
        util[f] = total  # the cumulative weight
    threshold = u_draw * total
    p = 0
    for f in range(f_n):
        if util[f] < threshold:
            p += 1
    return p
