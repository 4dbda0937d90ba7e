"""Staff insight: the review dashboard and the activity reports (with SVG charts and CSV)."""
