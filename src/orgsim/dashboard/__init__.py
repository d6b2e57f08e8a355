"""The browser dashboard (Solara): Run, Compare and Explore pages. Serve with ``solara run app.py``."""
