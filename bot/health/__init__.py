"""Health self-reports: rules.py (temperatures as typed, when a report is abnormal or a red flag; Telegram-free),
messages.py (the doctor's alert and its follow-up task), callbacks.py. Its router: handlers/health.py."""
