"""Scenarios: the parameter schema (:mod:`.schema`) and the scenario files (:mod:`.files`)."""
