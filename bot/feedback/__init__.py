"""Feedback and complaints: what residents tell the community, answered by staff as cases of the case engine."""
