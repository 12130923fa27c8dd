"""The case engine: reports that staff handle until they are closed and the reporters are satisfied (hazards
now; feedback and complaints later)."""
