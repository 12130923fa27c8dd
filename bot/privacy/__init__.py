"""A person's own data: rules.py (/mydata export and /deleteme erasure through each capability's hooks;
Telegram-free), callbacks.py. Its router: handlers/privacy.py."""
