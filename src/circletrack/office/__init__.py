"""The office's week with the units: forms out and back in, the bulletin, the scorecard, the page
of the circle at a glance."""
