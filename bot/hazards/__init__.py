"""Hazard reports: what endangers the building, reported by residents and handled as cases."""
