"""circletrack: a command-line project tracker for the Hangzhou metropolitan circle."""

from __future__ import annotations

__version__ = "0.1.0"
