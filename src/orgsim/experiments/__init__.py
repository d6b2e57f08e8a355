"""Experiments: designs (:mod:`.design`), sweeps and executors (:mod:`.sweep`), the crash-safe store
(:mod:`.store`) and their analysis (:mod:`.analysis`)."""
