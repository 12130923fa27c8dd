"""aiogram routers, one module per capability (a resident and a staff router apart where both exist). Which
routers run, and in what order, is said in one place: `bot/features.py`."""
