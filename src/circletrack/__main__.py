"""`python -m circletrack`."""

from __future__ import annotations

from circletrack.cli import main

if __name__ == "__main__":
    main()
