import asyncio
from collections.abc import Awaitable, Callable

import pytest

from bot.errors import UserFacingError
from bot.runs.queue import (
    MemberQueueFull,
    QueueClosed,
    QueueFull,
    QueueStats,
    RunCancelled,
    RunQueue,
    RunTicket,
    TicketState,
)


class Jobs:
    """Jobs that record when they start and finish only when their gate opens."""

    def __init__(self) -> None:
        self.started: list[str] = []
        self.gates: dict[str, asyncio.Event] = {}
        self.began: dict[str, asyncio.Event] = {}
        self.in_flight = 0
        self.most_in_flight = 0

    def job(self, name: str) -> Callable[[], Awaitable[str]]:
        gate = self.gates.setdefault(name, asyncio.Event())
        began = self.began.setdefault(name, asyncio.Event())

        async def run() -> str:
            self.started.append(name)
            began.set()
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
            try:
                await gate.wait()
            finally:
                self.in_flight -= 1
            return name

        return run

    def open(self, name: str) -> None:
        self.gates.setdefault(name, asyncio.Event()).set()

    def open_all(self) -> None:
        for gate in self.gates.values():
            gate.set()


async def finish(jobs: Jobs, ticket: RunTicket[str], name: str) -> None:
    jobs.open(name)
    assert await ticket.result() == name


async def test_never_more_than_the_concurrency_in_flight() -> None:
    queue = RunQueue(concurrency=2, per_member=5)
    jobs = Jobs()
    tickets = [queue.submit(member, jobs.job(f"run{member}")) for member in range(5)]
    assert queue.stats() == QueueStats(waiting=3, running=2)
    assert [ticket.state for ticket in tickets].count(TicketState.RUNNING) == 2
    await jobs.began["run0"].wait()
    await jobs.began["run1"].wait()
    assert jobs.in_flight == 2

    jobs.open_all()
    results = await asyncio.gather(*(ticket.result() for ticket in tickets))

    assert results == [f"run{member}" for member in range(5)]
    assert jobs.most_in_flight == 2
    assert queue.stats() == QueueStats(waiting=0, running=0)
    assert all(ticket.done() for ticket in tickets)


async def test_a_members_second_run_waits_while_another_member_runs() -> None:
    queue = RunQueue(concurrency=2, per_member=1)
    jobs = Jobs()
    first = queue.submit(1, jobs.job("a1"))
    second = queue.submit(1, jobs.job("a2"))
    other = queue.submit(2, jobs.job("b1"))

    assert [ticket.state for ticket in (first, second, other)] == [
        TicketState.RUNNING,
        TicketState.WAITING,
        TicketState.RUNNING,
    ]

    await finish(jobs, first, "a1")
    assert second.state is TicketState.RUNNING
    jobs.open_all()
    await asyncio.gather(second.result(), other.result())


@pytest.mark.parametrize(("concurrency", "per_member"), [(1, 1), (2, 2), (2, 1)])
async def test_a_late_member_is_not_held_back_by_a_busy_one(
    concurrency: int, per_member: int
) -> None:
    queue = RunQueue(concurrency=concurrency, per_member=per_member, per_member_waiting=10)
    jobs = Jobs()
    tickets = [queue.submit(1, jobs.job(f"a{number}")) for number in range(1, 11)]
    tickets.append(queue.submit(2, jobs.job("b1")))

    jobs.open_all()
    await asyncio.gather(*(ticket.result() for ticket in tickets))

    assert jobs.started.index("b1") < jobs.started.index("a3")
    a_runs = [name for name in jobs.started if name.startswith("a")]
    assert a_runs == [f"a{number}" for number in range(1, 11)]


async def test_members_take_turns_in_round_robin() -> None:
    queue = RunQueue(concurrency=1, per_member=1)
    jobs = Jobs()
    tickets = [
        queue.submit(member, jobs.job(name))
        for member, name in [(9, "x1"), (1, "a1"), (1, "a2"), (1, "a3"), (2, "b1"), (3, "c1")]
    ]
    jobs.open_all()
    await asyncio.gather(*(ticket.result() for ticket in tickets))
    assert jobs.started == ["x1", "a1", "b1", "c1", "a2", "a3"]


async def test_positions_follow_the_order_runs_will_start_in() -> None:
    queue = RunQueue(concurrency=1, per_member=1)
    jobs = Jobs()
    blocker = queue.submit(9, jobs.job("x1"))
    a1, a2, a3 = (queue.submit(1, jobs.job(name)) for name in ("a1", "a2", "a3"))
    b1 = queue.submit(2, jobs.job("b1"))
    c1 = queue.submit(3, jobs.job("c1"))

    assert blocker.position() == 0
    assert [t.position() for t in (a1, b1, c1, a2, a3)] == [1, 2, 3, 4, 5]

    await finish(jobs, blocker, "x1")
    assert a1.state is TicketState.RUNNING
    assert a1.position() == 0
    assert [t.position() for t in (b1, c1, a2, a3)] == [1, 2, 3, 4]

    await finish(jobs, a1, "a1")
    assert [t.position() for t in (c1, a2, a3)] == [1, 2, 3]
    jobs.open_all()
    await asyncio.gather(*(t.result() for t in (b1, c1, a2, a3)))
    assert a3.position() == 0


async def test_waiting_ticket_is_woken_when_its_position_changes() -> None:
    queue = RunQueue(concurrency=1, per_member=1)
    jobs = Jobs()
    blocker = queue.submit(9, jobs.job("x1"))
    ahead = queue.submit(1, jobs.job("a1"))
    behind = queue.submit(2, jobs.job("b1"))
    await behind.wait_changed()  # the signal from its own submission
    assert behind.position() == 2

    watcher = asyncio.create_task(behind.wait_changed())
    ahead.cancel()
    await watcher
    assert behind.position() == 1

    watcher = asyncio.create_task(behind.wait_changed())
    await finish(jobs, blocker, "x1")
    await watcher
    assert behind.state is TicketState.RUNNING
    assert behind.started_at is not None
    await finish(jobs, behind, "b1")


async def test_a_member_cannot_queue_more_than_the_limit() -> None:
    queue = RunQueue(concurrency=1, per_member=1, per_member_waiting=2)
    jobs = Jobs()
    tickets = [queue.submit(1, jobs.job(f"a{number}")) for number in range(3)]

    with pytest.raises(MemberQueueFull) as refused:
        queue.submit(1, jobs.job("a3"))
    assert isinstance(refused.value, UserFacingError)
    assert "2 runs waiting" in refused.value.message

    tickets.append(queue.submit(2, jobs.job("b0")))
    assert queue.stats() == QueueStats(waiting=3, running=1)
    jobs.open_all()
    await asyncio.gather(*(ticket.result() for ticket in tickets))


async def test_the_bot_caps_how_many_runs_wait() -> None:
    queue = RunQueue(concurrency=1, per_member=1, max_waiting=2)
    jobs = Jobs()
    tickets = [queue.submit(member, jobs.job(f"m{member}")) for member in range(3)]

    with pytest.raises(QueueFull):
        queue.submit(7, jobs.job("m7"))
    jobs.open_all()
    await asyncio.gather(*(ticket.result() for ticket in tickets))


async def test_a_cancelled_waiting_run_never_starts() -> None:
    queue = RunQueue(concurrency=1, per_member=1)
    jobs = Jobs()
    blocker = queue.submit(9, jobs.job("x1"))
    withdrawn = queue.submit(1, jobs.job("a1"))
    later = queue.submit(2, jobs.job("b1"))

    assert withdrawn.cancel() is True
    assert withdrawn.state is TicketState.DONE
    assert later.position() == 1
    with pytest.raises(RunCancelled):
        await withdrawn.result()
    assert withdrawn.cancel() is False

    await finish(jobs, blocker, "x1")
    await finish(jobs, later, "b1")
    assert "a1" not in jobs.started


async def test_a_cancelled_running_run_frees_its_slot() -> None:
    queue = RunQueue(concurrency=1, per_member=1)
    jobs = Jobs()
    running = queue.submit(1, jobs.job("a1"))
    waiting = queue.submit(2, jobs.job("b1"))
    await jobs.began["a1"].wait()
    assert running.cancel() is True

    with pytest.raises(RunCancelled):
        await running.result()
    assert waiting.state is TicketState.RUNNING
    await finish(jobs, waiting, "b1")


async def test_a_failing_job_reports_its_error_and_frees_the_slot() -> None:
    queue = RunQueue(concurrency=1, per_member=1)
    jobs = Jobs()

    async def broken() -> str:
        raise LookupError("no such glif")

    failing = queue.submit(1, broken)
    waiting = queue.submit(2, jobs.job("b1"))

    with pytest.raises(LookupError, match="no such glif"):
        await failing.result()
    assert waiting.state is TicketState.RUNNING
    await finish(jobs, waiting, "b1")


async def test_giving_up_on_a_result_does_not_cancel_the_run() -> None:
    queue = RunQueue(concurrency=1, per_member=1)
    jobs = Jobs()
    ticket = queue.submit(1, jobs.job("a1"))
    awaiting = asyncio.Event()

    async def wait_for_result() -> str:
        awaiting.set()
        return await ticket.result()

    impatient = asyncio.create_task(wait_for_result())
    await awaiting.wait()
    impatient.cancel()
    with pytest.raises(asyncio.CancelledError):
        await impatient

    await finish(jobs, ticket, "a1")


async def test_elapsed_uses_the_queue_clock() -> None:
    now = [100.0]
    queue = RunQueue(concurrency=1, per_member=1, clock=lambda: now[0])
    jobs = Jobs()
    blocker = queue.submit(9, jobs.job("x1"))
    ticket = queue.submit(1, jobs.job("a1"))
    assert ticket.elapsed() == 0

    now[0] = 105.0
    await finish(jobs, blocker, "x1")
    now[0] = 117.0
    assert ticket.elapsed() == 12.0
    await finish(jobs, ticket, "a1")
    now[0] = 500.0
    assert ticket.elapsed() == 12.0


async def test_closing_withdraws_waiting_runs_and_stops_running_ones() -> None:
    queue = RunQueue(concurrency=1, per_member=1)
    jobs = Jobs()
    running = queue.submit(1, jobs.job("a1"))
    waiting = queue.submit(2, jobs.job("b1"))

    await queue.close()

    for ticket in (running, waiting):
        with pytest.raises(RunCancelled):
            await ticket.result()
    with pytest.raises(QueueClosed):
        queue.submit(3, jobs.job("c1"))
    assert queue.stats() == QueueStats(waiting=0, running=0)


def test_limits_must_be_positive() -> None:
    with pytest.raises(ValueError, match="at least 1"):
        RunQueue(concurrency=0, per_member=1)
