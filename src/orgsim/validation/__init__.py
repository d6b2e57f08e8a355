"""Validation: patterns and their evaluation (:mod:`.checks`), calibration (:mod:`.calibration`),
the report (:mod:`.report`)."""
