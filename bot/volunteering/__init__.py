"""Volunteering: applications to volunteer, approved (or not) by the staff of the scope, and suspensions."""
