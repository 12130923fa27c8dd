"""The volunteer-task engine: rules.py (offers, claims, steps, who may see what; Telegram-free), workflow.py
(escalation as due work: not taken, not picked up, stuck, auto-confirm), messages.py (offers and what residents
are told), callbacks.py. Task kinds: models/tasks.py; their descriptions: each capability's messages, given in
bot/features.py. Its routers: handlers/volunteers.py (/duty, /tasks), handlers/taskqueue.py (/queue)."""
