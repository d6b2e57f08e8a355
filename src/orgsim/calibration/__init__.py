"""Bayesian calibration against published figures (issue 15): targets (:mod:`.targets`), ABC-SMC
with pyabc (:mod:`.abc`) and the generated report docs/CALIBRATION.md (:mod:`.report`).

The older stationarity spin-up (``orgsim calibrate`` without ``--abc``) lives in
:mod:`orgsim.validation.calibration`.
"""
