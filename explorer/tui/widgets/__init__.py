"""Reusable widgets of the TUI; each keeps its DEFAULT_CSS and HELP beside its code."""
