"""Domain rules. Nothing in this package imports aiogram: services take a session and plain values
and return plain data (what happened, who must be told)."""
