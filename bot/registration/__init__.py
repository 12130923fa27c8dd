"""Registration: rules.py (addresses, households and who confirms a newcomer, care needs, phone numbers;
Telegram-free), messages.py (the household's confirmation pushes), callbacks.py. Its routers: handlers/registration.py,
handlers/household.py."""
