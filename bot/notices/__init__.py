"""Notices and alerts: rules.py (who may send what to whom, audiences, quiet hours, schedules; Telegram-free),
workflow.py (a send and what follows it, as due work), messages.py (the words and buttons of its pushes),
callbacks.py (its callback data). Its routers: handlers/notices.py (and /bind in handlers/groups.py)."""
