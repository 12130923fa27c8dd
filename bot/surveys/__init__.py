"""Surveys: short questionnaires to an audience, one answer per household or person, and follow-ups for
those who did not answer."""
