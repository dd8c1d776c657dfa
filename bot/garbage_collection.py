"""Keep the garbage collector's full passes short.

A full pass walks every object the collector tracks, and most of them are the modules, classes
and functions built at startup, which live as long as the process. Under a webhook burst the
objects of requests in flight reach the oldest generation fast enough to start a full pass every
few seconds; each one stopped the event loop for about 25 ms, and those stops were the slowest
percent of webhook answers (`benchmarks/webhook_load.py`). Frozen, the startup objects are left
out of every later pass, which then walks only what was made since.
"""

from __future__ import annotations

import gc


def freeze_startup_objects() -> int:
    """Collect what startup left as garbage, then freeze the rest; returns how many are frozen.

    Collecting first matters: garbage in a reference cycle that was frozen would never be freed.
    """
    gc.collect()
    gc.freeze()
    return gc.get_freeze_count()
