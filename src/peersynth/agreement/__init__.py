"""Intercoder agreement: coders' files read like themes.yaml, the study-by-theme units,
the statistics (pure functions), and the reconciliation worksheet."""
