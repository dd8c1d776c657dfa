from bot.webhooks.accepted_keys import AcceptedKeys

DAY = 24 * 60 * 60.0


def test_a_key_is_known_per_hook() -> None:
    keys = AcceptedKeys(retention_seconds=DAY)
    keys.add(("hook-a", "k1"), received_at=0.0)
    assert ("hook-a", "k1") in keys
    assert ("hook-b", "k1") not in keys
    assert ("hook-a", "k2") not in keys


def test_a_key_is_kept_for_the_whole_retention() -> None:
    keys = AcceptedKeys(retention_seconds=DAY)
    keys.add(("hook", "old"), received_at=100.0)
    keys.add(("hook", "new"), received_at=100.0 + DAY)
    assert ("hook", "old") in keys
    assert len(keys) == 2


def test_keys_past_the_retention_are_forgotten_oldest_first() -> None:
    keys = AcceptedKeys(retention_seconds=DAY)
    for moment, name in ((100.0, "oldest"), (200.0, "older"), (300.0, "recent")):
        keys.add(("hook", name), received_at=moment)
    keys.add(("hook", "newest"), received_at=250.0 + DAY)
    assert ("hook", "oldest") not in keys
    assert ("hook", "older") not in keys
    assert ("hook", "recent") in keys
    assert len(keys) == 2


def test_a_clock_that_went_back_keeps_keys_longer_never_shorter() -> None:
    keys = AcceptedKeys(retention_seconds=DAY)
    keys.add(("hook", "late clock"), received_at=500.0)
    keys.add(("hook", "early clock"), received_at=100.0)
    keys.add(("hook", "trigger"), received_at=300.0 + DAY)
    # The key behind the one still kept waits for it, although its own day is over.
    assert ("hook", "late clock") in keys
    assert ("hook", "early clock") in keys


def test_a_key_stored_again_after_its_day_is_kept_for_its_latest_event() -> None:
    keys = AcceptedKeys(retention_seconds=DAY)
    keys.add(("hook", "k"), received_at=0.0)
    keys.add(("hook", "k"), received_at=DAY + 10)
    # The first event's day ends here; the second's does not.
    keys.add(("hook", "other"), received_at=DAY + 20)
    assert ("hook", "k") in keys
    keys.add(("hook", "other"), received_at=2 * DAY + 11)
    assert ("hook", "k") not in keys
