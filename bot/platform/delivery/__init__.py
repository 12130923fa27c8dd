"""The outbox and the rate-limited sender: every push in the bot goes through here."""
