"""Process tuning for a long-running bot.

Python's cyclic garbage collector walks every tracked object in the oldest generation on each full
collection; after start-up that is hundreds of thousands of long-lived objects (aiogram's ~800 types, the ORM
mappings, the translations), walked again and again while a burst of updates allocates short-lived ones.
`gc.freeze()` moves everything alive after start-up out of the collector's sight, and a larger first
threshold collects the short-lived ones in fewer, cheaper passes. Measured in bench/RESULTS.md.
"""

from __future__ import annotations

import gc


def tune_gc() -> None:
    gc.collect()
    gc.freeze()
    _gen0, gen1, gen2 = gc.get_threshold()
    gc.set_threshold(10_000, gen1, gen2)

