"""The rules of a quarter, each written once as a function over scalars or one firm's row.

Each rule is compiled by numba where the quarter's loops call it (``register_jitable``) and runs as
plain Python when called from Python (tests, reading, debugging). No mesa, no model import.
"""
