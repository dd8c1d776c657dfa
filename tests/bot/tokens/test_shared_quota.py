import asyncio
from datetime import UTC, datetime

import pytest

from bot.database import Database
from bot.tokens import NoTokenAvailable, RunToken, TokenSource
from tests.bot.tokens.support import SettableClock, make_vault, new_key, new_member_token

MEMBER = 111
OTHER_MEMBER = 222
LAST_SECOND_OF_DAY = datetime(2026, 11, 22, 23, 59, 59, tzinfo=UTC)
NEXT_MIDNIGHT = datetime(2026, 11, 23, tzinfo=UTC)
JUST_AFTER_MIDNIGHT = datetime(2026, 11, 23, 0, 0, 1, tzinfo=UTC)
HOW_TO_GET_A_TOKEN = ("https://glif.app/settings/api-tokens", "`/glif token set`")


async def test_the_daily_runs_are_granted_then_refused_until_midnight_utc(
    database: Database,
) -> None:
    clock = SettableClock(LAST_SECOND_OF_DAY)
    shared = new_member_token()
    vault = make_vault(database, [new_key()], shared_token=shared, daily_runs=3, clock=clock)

    for runs_left in (2, 1, 0):
        run = await vault.token_for_run(MEMBER)
        assert (run.source, run.token.get_secret_value()) == (TokenSource.SHARED, shared)
        assert await vault.shared_runs_left(MEMBER) == runs_left
    with pytest.raises(NoTokenAvailable) as refused:
        await vault.token_for_run(MEMBER)

    assert refused.value.resets_at == NEXT_MIDNIGHT
    assert f"<t:{int(NEXT_MIDNIGHT.timestamp())}:R>" in refused.value.message
    assert "3 shared runs" in refused.value.message
    assert all(part in refused.value.message for part in HOW_TO_GET_A_TOKEN)
    assert await vault.shared_runs_left(OTHER_MEMBER) == 3

    clock.now = JUST_AFTER_MIDNIGHT
    assert await vault.shared_runs_left(MEMBER) == 3
    assert (await vault.token_for_run(MEMBER)).source is TokenSource.SHARED
    assert await vault.shared_runs_left(MEMBER) == 2


async def test_a_refunded_run_can_be_used_again(database: Database) -> None:
    vault = make_vault(database, [new_key()], shared_token=new_member_token(), daily_runs=1)
    run = await vault.token_for_run(MEMBER)
    assert await vault.shared_runs_left(MEMBER) == 0

    await vault.refund_shared_run(run)

    assert await vault.shared_runs_left(MEMBER) == 1
    await vault.token_for_run(MEMBER)


async def test_a_refund_after_midnight_goes_to_the_day_that_paid(database: Database) -> None:
    clock = SettableClock(LAST_SECOND_OF_DAY)
    vault = make_vault(
        database, [new_key()], shared_token=new_member_token(), daily_runs=1, clock=clock
    )
    yesterdays_run = await vault.token_for_run(MEMBER)
    clock.now = JUST_AFTER_MIDNIGHT
    await vault.token_for_run(MEMBER)

    await vault.refund_shared_run(yesterdays_run)

    assert await vault.shared_runs_left(MEMBER) == 0
    clock.now = LAST_SECOND_OF_DAY
    assert await vault.shared_runs_left(MEMBER) == 1


async def test_the_members_own_token_wins_and_costs_no_shared_run(database: Database) -> None:
    own = new_member_token()
    vault = make_vault(database, [new_key()], shared_token=new_member_token(), daily_runs=1)
    await vault.store(MEMBER, own, "glif-user-1", "ada")

    for _ in range(3):
        run = await vault.token_for_run(MEMBER)
        assert (run.source, run.token.get_secret_value()) == (TokenSource.OWN, own)
        await vault.refund_shared_run(run)
    assert await vault.shared_runs_left(MEMBER) == 1


@pytest.mark.parametrize(("shared_token", "daily_runs"), [(None, 10), (new_member_token(), 0)])
async def test_without_a_usable_shared_token_the_member_is_told_to_set_their_own(
    database: Database, shared_token: str | None, daily_runs: int
) -> None:
    vault = make_vault(database, [new_key()], shared_token=shared_token, daily_runs=daily_runs)

    with pytest.raises(NoTokenAvailable) as refused:
        await vault.token_for_run(MEMBER)

    assert refused.value.resets_at is None
    assert "<t:" not in refused.value.message
    assert all(part in refused.value.message for part in HOW_TO_GET_A_TOKEN)
    assert await vault.shared_runs_left(MEMBER) is None


async def test_concurrent_requests_are_granted_exactly_the_quota(database: Database) -> None:
    vault = make_vault(database, [new_key()], shared_token=new_member_token(), daily_runs=10)

    outcomes = await asyncio.gather(
        *(vault.token_for_run(MEMBER) for _ in range(20)), return_exceptions=True
    )

    granted = [outcome for outcome in outcomes if isinstance(outcome, RunToken)]
    refused = [outcome for outcome in outcomes if isinstance(outcome, NoTokenAvailable)]
    assert (len(granted), len(refused)) == (10, 10)
    assert await vault.shared_runs_left(MEMBER) == 0
    row = await database.fetch_one(
        "SELECT runs FROM shared_token_usage WHERE discord_user_id = ?", (MEMBER,)
    )
    assert row is not None
    assert row["runs"] == 10
