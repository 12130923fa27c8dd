"""The community register: the household ledger staff already keep, imported and kept in the bot."""
