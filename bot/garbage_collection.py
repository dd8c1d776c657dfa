"""Keep the cycle collector's full passes short.

A full pass walks every object the collector tracks, and most of them are the modules, classes
and functions built at start-up, which live as long as the process. Under a webhook burst the
objects of requests in flight reach the oldest generation fast enough to start a full pass every
few seconds; each one stopped the event loop for about 25 ms, and those stops were the slowest
percent of webhook answers (`benchmarks/webhook_load.py`). Frozen, the start-up objects are left
out of every later pass, which then walks only what was made since. Reference counting still
frees them; only a frozen object that ends up in a garbage cycle (one of the few in use at the
moment of freezing, say) is never freed, a bounded cost paid once.
"""

from __future__ import annotations

import gc


def freeze_startup_objects() -> int:
    """Collect what start-up left as garbage, then freeze the rest; returns how many are frozen.

    Collecting first matters: garbage in a reference cycle that was frozen would never be freed.
    """
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
