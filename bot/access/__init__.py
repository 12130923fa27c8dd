"""Roles and invitations: rules.py (who holds which role where, invitation links, the person and their roles
for each update; Telegram-free), callbacks.py. Its routers: handlers/invitations.py, handlers/roles.py."""
