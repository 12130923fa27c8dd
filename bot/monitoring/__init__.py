"""Home monitoring and the daily check-in: rules.py (slots, who may monitor, check-in calls; Telegram-free),
workflow.py (slot stages, the end, the daily round, as due work), messages.py (the words and buttons of its
pushes), callbacks.py. Its router: handlers/monitoring.py."""
