"""Supply requests: rules.py (what may be asked, for whom, where to; Telegram-free), stock.py (community stock),
messages.py (the words of its pushes), callbacks.py. Its router: handlers/supplies.py; the volunteers who bring it:
bot/tasks/."""
