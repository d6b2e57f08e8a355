"""The model: rules (pure, compiled), the compiled quarter, customers, the executive agents, the Market.

Nothing here imports the experiments, the validation, the CLI or the dashboard.
"""
