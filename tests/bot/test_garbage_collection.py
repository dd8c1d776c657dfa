import gc
import weakref
from collections.abc import Iterator

import pytest

from bot.garbage_collection import freeze_startup_objects


class Node:
    def __init__(self) -> None:
        self.itself = self


@pytest.fixture(autouse=True)
def unfrozen_afterwards() -> Iterator[None]:
    yield
    gc.unfreeze()


def test_live_objects_are_left_out_of_later_collections() -> None:
    alive = Node()
    assert any(tracked is alive for tracked in gc.get_objects())

    frozen = freeze_startup_objects()

    assert frozen == gc.get_freeze_count() > 0
    assert not any(tracked is alive for tracked in gc.get_objects())


def test_garbage_in_a_cycle_is_freed_not_frozen() -> None:
    garbage = Node()
    reference = weakref.ref(garbage)
    del garbage
    assert reference() is not None

    freeze_startup_objects()

    assert reference() is None
