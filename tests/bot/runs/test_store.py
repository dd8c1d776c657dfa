import json
import sqlite3
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from bot.database import Database
from bot.glif import Visibility
from bot.glif.models import RunResult
from bot.glif.outputs import OutputKind
from bot.runs.store import RunRecord, RunStatus, RunStore
from bot.tokens.forget import MemberForgetter

FIXTURES = Path(__file__).parents[2] / "fixtures" / "glif"
START = datetime(2026, 11, 22, 10, 0, tzinfo=UTC)


class SteppingClock:
    def __init__(self) -> None:
        self.now = START

    def __call__(self) -> datetime:
        self.now += timedelta(seconds=1)
        return self.now


@pytest.fixture
def forgetter(database: Database) -> MemberForgetter:
    return MemberForgetter(database)


@pytest.fixture
def store(database: Database, forgetter: MemberForgetter) -> RunStore:
    return RunStore(database, forgetter, now=SteppingClock())


async def new_run(store: RunStore, member: int = 42, glif_name: str = "Sticker Maker") -> int:
    return await store.create(
        glif_id="cmfakeglif1sticker0000000",
        glif_name=glif_name,
        inputs={"subject": "a happy corgi astronaut", "style": "Kawaii"},
        discord_user_id=member,
        guild_id=111,
        channel_id=222,
        visibility=Visibility.PRIVATE,
    )


def image_result() -> RunResult:
    body = json.loads((FIXTURES / "simple-api-image.json").read_text("utf-8"))
    return RunResult.model_validate(body)


async def fetch(store: RunStore, run_id: int) -> RunRecord:
    record = await store.get(run_id)
    assert record is not None
    return record


async def test_a_new_run_is_queued_with_what_it_was_given(store: RunStore) -> None:
    run_id = await new_run(store)
    record = await fetch(store, run_id)

    assert record.id == run_id
    assert record.glif_id == "cmfakeglif1sticker0000000"
    assert record.glif_name == "Sticker Maker"
    assert record.inputs == {"subject": "a happy corgi astronaut", "style": "Kawaii"}
    assert (record.discord_user_id, record.guild_id, record.channel_id) == (42, 111, 222)
    assert record.visibility is Visibility.PRIVATE
    assert record.status is RunStatus.QUEUED
    assert record.created_at == START + timedelta(seconds=1)
    assert record.started_at is None
    assert record.finished_at is None
    assert not record.is_finished
    assert record.result() is None


async def test_a_successful_run_keeps_the_essentials_of_its_result(store: RunStore) -> None:
    run_id = await new_run(store)
    assert await store.mark_running(run_id)
    assert (await fetch(store, run_id)).status is RunStatus.RUNNING

    assert await store.finish_success(run_id, image_result(), 12.3456)
    record = await fetch(store, run_id)

    assert record.status is RunStatus.SUCCEEDED
    assert record.is_finished
    assert record.output == image_result().output
    assert record.output_type == "IMAGE"
    assert record.price == Decimal("2.1000875")
    assert record.duration_ms == 12346
    assert record.started_at is not None
    assert record.finished_at is not None
    assert record.started_at < record.finished_at
    again = record.result()
    assert again is not None
    assert again.output == image_result().output
    assert again.output_kind is OutputKind.IMAGE
    assert again.price == Decimal("2.1000875")
    assert again.inputs == record.inputs


async def test_a_result_without_type_or_price_round_trips(store: RunStore) -> None:
    run_id = await new_run(store)
    await store.finish_success(run_id, RunResult.model_validate({"output": "just text"}), 1)
    record = await fetch(store, run_id)
    again = record.result()

    assert record.output_type is None
    assert record.price is None
    assert again is not None
    assert again.output == "just text"
    assert again.output_kind is OutputKind.TEXT


async def test_a_failed_run_keeps_its_message(store: RunStore) -> None:
    run_id = await new_run(store)
    await store.mark_running(run_id)
    assert await store.finish_failure(run_id, "Glif said no. " * 200, 3.2)
    record = await fetch(store, run_id)

    assert record.status is RunStatus.FAILED
    assert record.error is not None
    assert record.error.startswith("Glif said no.")
    assert len(record.error) == 1000
    assert record.duration_ms == 3200
    assert record.result() is None


async def test_a_finished_run_cannot_be_moved_again(store: RunStore) -> None:
    run_id = await new_run(store)
    await store.finish_failure(run_id, "cancelled")

    assert not await store.mark_running(run_id)
    assert not await store.finish_success(run_id, image_result(), 1)
    assert not await store.finish_failure(run_id, "again")
    record = await fetch(store, run_id)
    assert record.status is RunStatus.FAILED
    assert record.error == "cancelled"
    assert record.duration_ms is None


async def test_the_message_of_a_run_is_remembered(store: RunStore) -> None:
    run_id = await new_run(store)
    await store.set_message(run_id, 333, 444)
    record = await fetch(store, run_id)
    assert (record.channel_id, record.message_id) == (333, 444)


async def test_an_unknown_run_is_none(store: RunStore) -> None:
    assert await store.get(12345) is None
    assert not await store.mark_running(12345)


async def test_history_pages_newest_first(store: RunStore) -> None:
    mine = [await new_run(store, member=1, glif_name=f"glif {n}") for n in range(7)]
    await new_run(store, member=2)

    pages = [await store.history(1, page, per_page=3) for page in range(4)]

    assert [[record.id for record in page] for page in pages] == [
        mine[6:3:-1],
        mine[3:0:-1],
        mine[:1],
        [],
    ]
    assert await store.count_runs(1) == 7
    assert await store.count_runs(3) == 0


@pytest.mark.parametrize(("page", "per_page"), [(-1, 10), (0, 0)])
async def test_history_refuses_nonsense_pages(store: RunStore, page: int, per_page: int) -> None:
    with pytest.raises(ValueError, match="page"):
        await store.history(1, page, per_page)


async def test_forgetting_a_member_deletes_only_their_runs(
    store: RunStore, forgetter: MemberForgetter
) -> None:
    for _ in range(3):
        await new_run(store, member=1)
    kept = await new_run(store, member=2)
    newest = await new_run(store, member=1)

    await forgetter.forget_member(1)

    assert await store.history(1) == []
    assert (await fetch(store, kept)).discord_user_id == 2
    # Old buttons carry run ids: a forgotten id must never point at somebody's new run.
    assert await new_run(store, member=3) > newest


async def test_runs_left_unfinished_by_a_previous_process_are_failed(store: RunStore) -> None:
    queued, running, done = [await new_run(store) for _ in range(3)]
    await store.mark_running(running)
    await store.finish_success(done, image_result(), 2)

    assert await store.fail_unfinished("The bot restarted during the run.") == 2
    for run_id in (queued, running):
        record = await fetch(store, run_id)
        assert record.status is RunStatus.FAILED
        assert record.error == "The bot restarted during the run."
    assert (await fetch(store, done)).status is RunStatus.SUCCEEDED


async def test_the_table_refuses_bad_rows(database: Database) -> None:
    row = (
        "INSERT INTO runs (glif_id, glif_name, inputs, discord_user_id, visibility, state, "
        "created_at) VALUES ('g', 'n', ?, 1, ?, ?, '2026-01-01T00:00:00+00:00')"
    )
    for inputs, visibility, state in [
        ("[1]", "PRIVATE", "queued"),
        ("{}", "SECRET", "queued"),
        ("{}", "PUBLIC", "exploded"),
        ("{}", "PUBLIC", 7),
    ]:
        with pytest.raises(sqlite3.IntegrityError):
            await database.execute(row, (inputs, visibility, state))
