"""Someone to talk to: self-help, a short screening, counsellors' call-backs, and the crisis path."""
