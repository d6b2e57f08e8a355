"""Write calibrated defaults into the schema (src/orgsim/scenario/schema.py).

    python tools/adopt_defaults.py posterior docs/posterior/posterior.json
        the point estimate of the ABC posterior (orgsim.calibration.defaults), labelled 'posterior';
        the parameters the rule leaves to the spin-up are labelled 'calibrated'
    python tools/adopt_defaults.py spinup docs/calibration.json
        the best iteration of the stationarity spin-up (orgsim calibrate), labelled 'calibrated'

The order is: adopt the posterior, run `orgsim calibrate --out docs/calibration.json` (the spin-up at
the posterior's values), adopt the spin-up. Tests check that the schema's defaults equal both records.
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SCHEMA = ROOT / "src" / "orgsim" / "scenario" / "schema.py"


def set_default(text: str, name: str, value: float, source: str) -> str:
    """``text`` with field ``name``'s default set to ``value`` and its source constant to ``source``."""
    pattern = re.compile(rf"(\n    {name}: [^=\n]+= P\(\s*)([^,]+)(,\s*\"[^\"]*\",\s*)(SRC_\w+)")
    found = pattern.findall(text)
    if len(found) != 1:
        raise SystemExit(f"adopt_defaults: {name}: found {len(found)} declarations in {SCHEMA.name}, expected 1")
    return pattern.sub(lambda m: f"{m[1]}{value!r}{m[3]}{source}", text)


def main(argv: list[str]) -> int:
    if len(argv) != 2 or argv[0] not in ("posterior", "spinup"):
        print(__doc__, file=sys.stderr)
        return 2
    kind, record = argv[0], json.loads(Path(argv[1]).read_text(encoding="utf-8"))
    text = SCHEMA.read_text(encoding="utf-8")
    if kind == "posterior":
        sys.path.insert(0, str(ROOT / "src"))
        from orgsim.calibration.defaults import point_estimate, spun_up

        for name, value in point_estimate(record).items():
            text = set_default(text, name, value, "SRC_POST")
        changed = list(point_estimate(record))
        for name in spun_up(record):
            pattern = re.compile(rf"(\n    {name}: [^=\n]+= P\(\s*[^,]+,\s*\"[^\"]*\",\s*)(SRC_\w+)")
            text = pattern.sub(lambda m: f"{m[1]}SRC_CAL", text)
    else:
        for name, value in record["best"]["params"].items():
            text = set_default(text, name, round(float(value), 4), "SRC_CAL")
        changed = list(record["best"]["params"])
    SCHEMA.write_text(text, encoding="utf-8")
    print(f"{SCHEMA.relative_to(ROOT)}: set {', '.join(changed)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main(sys.argv[1:]))
