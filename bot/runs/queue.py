"""A fair queue for glif runs.

At most ``concurrency`` runs are in flight across the bot and ``per_member`` per member. Runs that
cannot start wait; when a slot frees, the member served least recently goes next (a member never
served yet counts as least recent), so one member's ten runs take turns with everyone else's
instead of holding them back. Between members with equal claims the earlier submission wins.
"""

from __future__ import annotations

import asyncio
import functools
import itertools
import time
from collections import Counter, deque
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from enum import StrEnum
from typing import Any, Generic, TypeVar

from bot.errors import UserFacingError

T = TypeVar("T")

Clock = Callable[[], float]


class TicketState(StrEnum):
    WAITING = "waiting"
    RUNNING = "running"
    DONE = "done"


class QueueRefused(UserFacingError):
    """A run was not accepted into the queue; the message tells the member why."""


class MemberQueueFull(QueueRefused):
    def __init__(self, limit: int) -> None:
        runs = "run" if limit == 1 else "runs"
        super().__init__(
            f"You already have {limit} {runs} waiting; wait for one to start, then try again."
        )


class QueueFull(QueueRefused):
    def __init__(self) -> None:
        super().__init__("Too many runs are waiting right now; try again in a few minutes.")


class QueueClosed(QueueRefused):
    def __init__(self) -> None:
        super().__init__("The bot is shutting down; try again in a minute.")


class RunCancelled(Exception):
    """The run was cancelled before it finished."""


@dataclass(frozen=True, slots=True)
class QueueStats:
    waiting: int
    running: int


class RunTicket(Generic[T]):
    """One submitted run: where it stands, and its result once done.

    ``wait_changed()`` wakes on every state or position change; it is meant for one watcher
    (the progress updater), since waking clears the signal.
    """

    def __init__(
        self, queue: RunQueue, member_id: int, job: Callable[[], Awaitable[T]], sequence: int
    ) -> None:
        self.member_id = member_id
        self.sequence = sequence
        self.state = TicketState.WAITING
        self.started_at: float | None = None
        self.finished_at: float | None = None
        self._queue = queue
        self._job = job
        self._outcome: asyncio.Future[T] = asyncio.get_running_loop().create_future()
        self._changed = asyncio.Event()
        self._task: asyncio.Task[T] | None = None

    def __repr__(self) -> str:
        return f"RunTicket(member_id={self.member_id}, sequence={self.sequence}, {self.state})"

    def position(self) -> int:
        """1-based place in line while waiting; 0 once running or done."""
        if self.state is not TicketState.WAITING:
            return 0
        return self._queue.position_of(self)

    def elapsed(self) -> float:
        """Seconds spent running so far (or in total, once done); 0 while waiting."""
        if self.started_at is None:
            return 0.0
        end = self.finished_at if self.finished_at is not None else self._queue.clock()
        return max(0.0, end - self.started_at)

    def done(self) -> bool:
        return self.state is TicketState.DONE

    async def wait_changed(self) -> None:
        """Return once the state or position changed since the last call (at once if it has)."""
        await self._changed.wait()
        self._changed.clear()

    async def result(self) -> T:
        """The job's return value; its exception, or `RunCancelled`, is raised instead."""
        # Shielded: a caller that stops waiting must not cancel the run for everyone else.
        return await asyncio.shield(self._outcome)

    def cancel(self) -> bool:
        """Withdraw a waiting run or stop a running one; False when it had already finished."""
        return self._queue.cancel(self)

    def _notify(self) -> None:
        self._changed.set()

    def _start(self, started_at: float) -> None:
        self.state = TicketState.RUNNING
        self.started_at = started_at
        self._task = asyncio.create_task(_await(self._job))
        # A done callback, not a try block in the task: a task cancelled before its first step
        # never runs its body, and its ticket must still finish.
        self._task.add_done_callback(functools.partial(self._queue._job_finished, self))
        self._notify()

    def _succeed(self, finished_at: float, value: T) -> None:
        self._outcome.set_result(value)
        self._settle(finished_at)

    def _fail(self, finished_at: float, error: BaseException) -> None:
        self._outcome.set_exception(error)
        if isinstance(error, RunCancelled):
            # Whoever cancelled knows; an unread cancellation is not worth a log line.
            self._outcome.exception()
        self._settle(finished_at)

    def _settle(self, finished_at: float) -> None:
        self.state = TicketState.DONE
        self.finished_at = finished_at
        self._notify()


class RunQueue:
    """Admits runs fairly under a global and a per-member cap; see the module docstring.

    Create it while the event loop runs; jobs run as tasks on that loop.
    """

    def __init__(
        self,
        concurrency: int,
        per_member: int,
        per_member_waiting: int = 5,
        max_waiting: int = 200,
        *,
        clock: Clock = time.monotonic,
    ) -> None:
        if min(concurrency, per_member, per_member_waiting, max_waiting) < 1:
            raise ValueError("queue limits must be at least 1")
        self.concurrency = concurrency
        self.per_member = per_member
        self.per_member_waiting = per_member_waiting
        self.max_waiting = max_waiting
        self.clock = clock
        self._waiting: dict[int, deque[RunTicket[Any]]] = {}
        self._waiting_count = 0
        self._running: set[RunTicket[Any]] = set()
        self._running_by_member: Counter[int] = Counter()
        self._last_served: dict[int, int] = {}
        self._serve_counter = itertools.count(1)
        self._sequence = itertools.count(1)
        self._closed = False

    def submit(self, member_id: int, job: Callable[[], Awaitable[T]]) -> RunTicket[T]:
        """Queue ``job`` for ``member_id``; it starts at once when a slot is free.

        Raises a `QueueRefused` (a `UserFacingError`) when the member or the bot has too many
        runs waiting, or the queue is closed.
        """
        if self._closed:
            raise QueueClosed
        if not self._can_start_now(member_id):
            if len(self._waiting.get(member_id, ())) >= self.per_member_waiting:
                raise MemberQueueFull(self.per_member_waiting)
            if self._waiting_count >= self.max_waiting:
                raise QueueFull
        ticket = RunTicket(self, member_id, job, next(self._sequence))
        self._waiting.setdefault(member_id, deque()).append(ticket)
        self._waiting_count += 1
        self._dispatch()
        self._notify_waiting()
        return ticket

    def stats(self) -> QueueStats:
        return QueueStats(waiting=self._waiting_count, running=len(self._running))

    def position_of(self, ticket: RunTicket[Any]) -> int:
        """Where ``ticket`` stands in the order the queue would start waiting runs.

        Serving rotates through members in a fixed order (a served member goes to the back), so
        a member's run with k runs of its own ahead of it starts in round k: before it go up to
        k + 1 runs of each member ahead in the rotation and up to k of each member behind.
        Per-member caps can reorder starts, so this is the line, not a promise.
        """
        queue = self._waiting.get(ticket.member_id)
        if queue is None or ticket not in queue:
            return 0
        rounds = queue.index(ticket)
        own_key = self._serving_key(ticket.member_id)
        ahead = rounds
        for member_id, others in self._waiting.items():
            if member_id == ticket.member_id:
                continue
            is_before = self._serving_key(member_id) < own_key
            ahead += min(len(others), rounds + (1 if is_before else 0))
        return ahead + 1

    def cancel(self, ticket: RunTicket[Any]) -> bool:
        if ticket.state is TicketState.WAITING:
            queue = self._waiting[ticket.member_id]
            queue.remove(ticket)
            if not queue:
                del self._waiting[ticket.member_id]
            self._waiting_count -= 1
            self._forget_idle(ticket.member_id)
            ticket._fail(self.clock(), RunCancelled())
            self._notify_waiting()
            return True
        if ticket.state is TicketState.RUNNING and ticket._task is not None:
            return ticket._task.cancel()
        return False

    async def close(self) -> None:
        """Refuse new runs, withdraw waiting ones and stop running ones."""
        self._closed = True
        for queue in list(self._waiting.values()):
            for ticket in list(queue):
                self.cancel(ticket)
        tasks = [ticket._task for ticket in self._running if ticket._task is not None]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)

    def _job_finished(self, ticket: RunTicket[T], task: asyncio.Task[T]) -> None:
        finished_at = self._release(ticket)
        if task.cancelled():
            ticket._fail(finished_at, RunCancelled())
        elif (error := task.exception()) is not None:
            ticket._fail(finished_at, error)
        else:
            ticket._succeed(finished_at, task.result())
        if not self._closed:
            self._dispatch()
            self._notify_waiting()

    def _release(self, ticket: RunTicket[Any]) -> float:
        """Free the ticket's slot; returns the time it finished."""
        self._running.discard(ticket)
        self._running_by_member[ticket.member_id] -= 1
        if self._running_by_member[ticket.member_id] <= 0:
            del self._running_by_member[ticket.member_id]
        self._forget_idle(ticket.member_id)
        return self.clock()

    def _can_start_now(self, member_id: int) -> bool:
        return (
            len(self._running) < self.concurrency
            and self._running_by_member[member_id] < self.per_member
        )

    def _serving_key(self, member_id: int) -> tuple[int, int]:
        return (self._last_served.get(member_id, 0), self._waiting[member_id][0].sequence)

    def _next_member(self) -> int | None:
        eligible = [
            member_id
            for member_id in self._waiting
            if self._running_by_member[member_id] < self.per_member
        ]
        return min(eligible, key=self._serving_key, default=None)

    def _dispatch(self) -> None:
        while len(self._running) < self.concurrency:
            member_id = self._next_member()
            if member_id is None:
                return
            queue = self._waiting[member_id]
            ticket = queue.popleft()
            if not queue:
                del self._waiting[member_id]
            self._waiting_count -= 1
            self._running.add(ticket)
            self._running_by_member[member_id] += 1
            self._last_served[member_id] = next(self._serve_counter)
            ticket._start(self.clock())

    def _notify_waiting(self) -> None:
        for queue in self._waiting.values():
            for ticket in queue:
                ticket._notify()

    def _forget_idle(self, member_id: int) -> None:
        # A member with nothing waiting or running starts afresh, which also bounds this dict.
        if member_id not in self._waiting and not self._running_by_member[member_id]:
            self._last_served.pop(member_id, None)


async def _await(job: Callable[[], Awaitable[T]]) -> T:
    return await job()
