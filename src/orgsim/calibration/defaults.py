"""The shipped defaults as a point estimate of the ABC posterior (issue 15).

The rule, fixed before it was first applied (and not changed after seeing what it gives):

* a calibrated parameter the targets identify — its posterior 95 % interval is narrower than
  :data:`IDENTIFIED` of its prior's width, the report's own test — takes its **weighted posterior
  median** (the median, not the mean: robust to the skewed marginals the plots show);
* an unidentified parameter that the stationarity spin-up has a rule for — the starting budget
  shares and the CMO–CIO propensity means (:data:`SPUN_UP`) — is left to the spin-up
  (``orgsim calibrate``, :mod:`orgsim.validation.calibration`), which is run with the posterior's
  values fixed: when the published figures do not say where a firm starts, it starts where the
  calibrated dynamics settle;
* any other unidentified parameter takes its weighted posterior median too (then close to its
  prior's middle, and the report says that the data do not pin it down);
* a tied parameter (:data:`orgsim.calibration.abc.TIED`) takes its partner's value;
* where both parameters of a product the targets see (:data:`orgsim.calibration.abc.PRODUCTS`, the
  CMO's and the CIO's propensities to work together) are left to the spin-up but their product is
  identified (the same test, against the product's own prior), the spin-up keeps the product at its
  weighted posterior median (:func:`held_products`): it moves the pair toward stationarity only
  along that product. Added after the reach fit's adoption, when its spin-up had set the product to
  0.506 against a posterior 95 % interval of [0.017, 0.446] (docs/ODD.md section 8, commit 08e282f,
  written before this was built); applied by re-adopting that fit (0.2313 held).

**Is it a fixed point?** (fixed before the first refit in an adopted context was compared, and not
changed after.) The fit runs with every parameter outside the priors at the shipped defaults, and the
spin-up then moves some of those (influence, growth rates), so a refit in the adopted context can move
the posterior. The shipped point estimate is at a fixed point of this fit–spin-up iteration when a
refit moves the median of every parameter the rule took from the posterior by less than
:data:`FIXED_POINT_SD` of that parameter's committed posterior sd (:func:`movement`; the sd is the
95 % interval's width / 3.92): the change of default is then smaller than the uncertainty that
``--posterior`` already carries. ``orgsim calibrate --abc --docs`` reports it against the committed
posterior before it overwrites it.

Values are rounded to four decimals, as the spin-up's are. The schema labels every parameter set
here with source ``posterior``; a test checks that its defaults equal :func:`point_estimate` of the
committed ``docs/posterior/posterior.json``.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

#: a 95 % interval at least this share of the prior's width means "not identified" (as in the report)
IDENTIFIED = 0.8

#: parameters the stationarity spin-up sets when the calibration does not identify them
SPUN_UP = ("start_share_marketing", "start_share_finance", "coop_cmo_cio", "coop_cio_cmo")

#: where the committed posterior lives (written by ``orgsim calibrate --abc --docs``)
COMMITTED = Path("docs") / "posterior" / "posterior.json"


def identified(entry: dict[str, Any]) -> bool:
    """Whether a parameter's posterior (an entry of ``posterior.json``'s ``parameters``) is identified."""
    return float(entry["width_ratio"]) < IDENTIFIED


def point_estimate(summary: dict[str, Any]) -> dict[str, float]:
    """The defaults a posterior summary (``posterior.json``) fixes, by the module's rule.

    Returns ``{parameter: value}`` for every parameter the rule takes from the posterior (tied ones
    included); the parameters it leaves to the spin-up are absent.
    """
    params: dict[str, dict[str, Any]] = summary["parameters"]
    out = {
        name: round(float(entry["median"]), 4)
        for name, entry in params.items()
        if identified(entry) or name not in SPUN_UP
    }
    for tied, partner in summary.get("tied", {}).items():
        if partner in out:
            out[tied] = out[partner]
    return out


def spun_up(summary: dict[str, Any]) -> list[str]:
    """The posterior's parameters the rule leaves to the stationarity spin-up."""
    return [name for name in SPUN_UP if name in summary["parameters"] and not identified(summary["parameters"][name])]


def held_products(summary: dict[str, Any]) -> list[tuple[str, str, float]]:
    """The products the spin-up must keep at their posterior median: ``[(a, b, median), ...]``.

    A product qualifies when it is identified and both its parameters are left to the spin-up
    (:func:`spun_up`); summaries written before products were summarised have none.
    """
    left = set(spun_up(summary))
    return [
        (entry["of"][0], entry["of"][1], round(float(entry["median"]), 4))
        for entry in summary.get("products", {}).values()
        if identified(entry) and set(entry["of"]) <= left
    ]


def committed(root: Path | None = None) -> dict[str, Any]:
    """The committed posterior summary (``docs/posterior/posterior.json`` of a source checkout)."""
    path = (root or Path(__file__).resolve().parents[3]) / COMMITTED
    return json.loads(path.read_text(encoding="utf-8"))


#: a refit moving no posterior-set parameter by this many committed posterior sd or more is at a fixed point
FIXED_POINT_SD = 1.0


def posterior_sd(entry: dict[str, Any]) -> float:
    """A parameter's posterior sd, read from its 95 % interval (width / 3.92)."""
    return (float(entry["q975"]) - float(entry["q025"])) / 3.92


def movement(committed: dict[str, Any], refit: dict[str, Any]) -> dict[str, float]:
    """How far ``refit`` moved the median of each parameter the rule takes from ``committed``'s posterior
    (tied ones excluded), in units of its committed posterior sd."""
    before, after = committed["parameters"], refit["parameters"]
    return {
        name: (float(after[name]["median"]) - float(before[name]["median"])) / posterior_sd(before[name])
        for name in point_estimate(committed)
        if name in before and name in after and posterior_sd(before[name]) > 0
    }


def at_fixed_point(committed: dict[str, Any], refit: dict[str, Any]) -> bool:
    """Whether ``refit`` moves no parameter by :data:`FIXED_POINT_SD` or more (the module's criterion)."""
    return all(abs(m) < FIXED_POINT_SD for m in movement(committed, refit).values())
