"""The real `python -m bot`, SIGKILLed at random points of a mixed load (app-actions over HTTP,
`/glif run` through the gateway) and restarted on the same database, trial after trial.

In the end every app-action answered 2xx is one message in Discord (none lost, none twice), no
run's result is posted twice, and SQLite finds the database intact. Each kill point is drawn from
a seeded RNG and waits for an event of the load (an answer, a request reaching Discord or Glif),
so the trials are the same from one test run to the next, up to the processes' own timing.
"""

from __future__ import annotations

import asyncio
import random
import re
import sqlite3
from collections import Counter
from collections.abc import Awaitable, Callable
from contextlib import closing
from dataclasses import dataclass, field
from functools import partial
from pathlib import Path
from typing import Any

import aiohttp

from bot.webhooks import Hook
from bot.webhooks.delivery import delivery_nonce
from cogs.runs_buttons import RERUN_PREFIX
from tests import payloads
from tests.bot.webhooks.conftest import app_action, text
from tests.cogs.hooks.support import messages_path, post_app_action
from tests.cogs.runs.support import TEST_GLIF_ID, serve_glif
from tests.fakes.discord import OP_IDENTIFY, FakeDiscord, RecordedRequest
from tests.fakes.glif import FakeGlif
from tests.faults.support import messages_by_nonce
from tests.scenario.driver import DrainedBot, listening_bot
from tests.test_process import bot_environment
from tests.test_process_webhooks import create_hook

SEED = 20261122
TRIALS = 10
NEW_KEYS_PER_TRIAL = 12
RUNS_PER_TRIAL = 3
# Glide's retries of keys the bot already answered, sent along with each trial's new keys.
REPEATED_KEYS_PER_TRIAL = 2
# Long enough that runs are in flight when a kill comes, short enough to end between kills.
GLIF_RUN_SECONDS = 0.3
STEP_TIMEOUT = 15.0
# DEBUG would fill the bot's output faster than is worth reading.
LOG_LEVEL = "INFO"
# The kill point of keys first answered by the final start, which is not killed.
NOT_KILLED = "none (the final start)"
_RESULT_RUN_ID = re.compile(re.escape(RERUN_PREFIX) + r"(\d+)")


def result_run_id(request: RecordedRequest) -> str | None:
    """The run whose result this request posts (its Re-run button names it), if it posts one."""
    if request.method != "PATCH":
        return None
    found = _RESULT_RUN_ID.search(str(request.json))
    return found.group(1) if found else None


@dataclass
class Ledger:
    """What the load sent and what the bot answered, over all trials."""

    sent_keys: set[str] = field(default_factory=set)
    # Keys answered 2xx ("accepted" or "duplicate"), each to be announced exactly once, with the
    # kill point of the trial that first answered it: the kill that could have lost it.
    answered: dict[str, str] = field(default_factory=dict)
    runs_requested: int = 0
    kill_points: list[str] = field(default_factory=list)
    _answers: asyncio.Condition = field(default_factory=asyncio.Condition)

    def unanswered(self) -> list[str]:
        return sorted(self.sent_keys - self.answered.keys())

    async def answer(self, key: str, kill_point: str) -> None:
        async with self._answers:
            self.answered.setdefault(key, kill_point)
            self._answers.notify_all()

    async def wait_for_answers(self, count: int) -> None:
        async with self._answers:
            await self._answers.wait_for(lambda: len(self.answered) >= count)


@dataclass
class Trial:
    """One start of the bot, what it is sent, and where the fakes' recordings stood before."""

    bot: DrainedBot
    keys: list[str]
    runs: list[dict[str, Any]]
    discord_mark: int
    glif_mark: int


@dataclass
class KillTrials:
    environment: dict[str, str]
    cwd: Path
    hook: Hook
    secret: str
    discord: FakeDiscord
    glif: FakeGlif
    rng: random.Random
    ledger: Ledger = field(default_factory=Ledger)

    @property
    def database_path(self) -> Path:
        return Path(self.environment["DATABASE_PATH"])

    async def trial(self, number: int) -> None:
        """Start the bot, load it, and kill it at a moment drawn at random."""
        frames_before = len(self.discord.gateway_frames)
        async with listening_bot(self.environment, self.cwd) as bot:
            await self._connected(frames_before)
            answered = sorted(self.ledger.answered)
            # Glide sends again what was never answered, and sometimes what was.
            keys = [f"t{number}-k{n}" for n in range(NEW_KEYS_PER_TRIAL)]
            keys += self.ledger.unanswered()
            keys += self.rng.sample(answered, min(REPEATED_KEYS_PER_TRIAL, len(answered)))
            trial = Trial(
                bot,
                keys,
                self._run_commands(),
                self.discord.mark(),
                len(self.glif.requests),
            )
            label, moment = self._kill_point(trial)
            load = asyncio.create_task(self._drive(trial, f"trial {number}: {label}"))
            async with asyncio.timeout(STEP_TIMEOUT):
                await moment
            bot.running.process.kill()
            await bot.running.process.wait()
            self.ledger.kill_points.append(label)
            # Requests the kill cut short count as unanswered; the load ends with them.
            await load

    async def final_start(self) -> tuple[int, bytes]:
        """A last start, left to finish: what was never answered is sent again, every event still
        pending goes out, then SIGTERM; the bot's exit code and output."""
        # Marked before the start: the bot sends what was left pending before it connects.
        start = self.discord.mark()
        frames_before = len(self.discord.gateway_frames)
        async with listening_bot(self.environment, self.cwd) as bot:
            await self._connected(frames_before)
            for key in self.ledger.unanswered():
                await self._send(bot, key, NOT_KILLED)
            # The database, not the ledger, says what is left to send: an event answered but lost
            # is not waited for in vain here, but left for the test to report with its kill point.
            pending = {
                delivery_nonce(self.hook.id, key) for key in pending_keys(self.database_path)
            }
            await self.discord.wait_for(
                lambda _: pending <= announced_since(self.discord, start), STEP_TIMEOUT
            )
            exit_code = await bot.stop()
        return exit_code, bot.output

    async def _connected(self, frames_before: int) -> None:
        """Once this process has identified on the gateway, its commands and its event writer
        are ready: both are set up before it connects. Its "Connected" line, which `drained_bot`
        waits for, comes 2 s later (discord.py waits that long for guilds to stream in): each
        start would take that much longer, and no kill would land in between."""
        await self.discord.wait_for_gateway(
            lambda frame: (
                frame.op == OP_IDENTIFY
                and self.discord.gateway_frames.index(frame) >= frames_before
            ),
            timeout=STEP_TIMEOUT,
        )

    def _run_commands(self) -> list[dict[str, Any]]:
        env = payloads.env_for(self.discord)
        run = payloads.subcommand(
            "run",
            payloads.opt_string("glif", TEST_GLIF_ID),
            payloads.opt_string("prompt", "autumn rain"),
        )
        return [
            payloads.slash_command(env, payloads.Actor.member(), "glif", run)
            for _ in range(RUNS_PER_TRIAL)
        ]

    async def _drive(self, trial: Trial, kill_point: str) -> None:
        """App-actions and `/glif run` commands in a seeded order, all at once."""
        work: list[Callable[[], Awaitable[Any]]] = [
            partial(self._send, trial.bot, key, kill_point) for key in trial.keys
        ]
        work += [partial(self.discord.push, "INTERACTION_CREATE", run) for run in trial.runs]
        self.rng.shuffle(work)
        self.ledger.runs_requested += len(trial.runs)
        await asyncio.gather(*(step() for step in work))

    async def _send(self, bot: DrainedBot, key: str, kill_point: str) -> None:
        """POST the app-action as Glide would, and note a 2xx answer with the kill to come."""
        self.ledger.sent_keys.add(key)
        try:
            status, _, _ = await post_app_action(
                f"http://127.0.0.1:{bot.port}",
                self.hook.id,
                app_action(key, n=text(key)),
                self.secret,
            )
        except aiohttp.ClientError:
            # Killed before it answered: Glide would send it again, and so does a later trial.
            return
        if status == 200:
            await self.ledger.answer(key, kill_point)

    def _kill_point(self, trial: Trial) -> tuple[str, Awaitable[object]]:
        """A moment of the load, drawn at random, and a way to wait for it."""
        rng, discord = self.rng, self.discord
        choice = rng.choice(["answer", "announcement", "glif run", "result"])
        if choice == "answer":
            new_keys = len(set(trial.keys) - self.ledger.answered.keys())
            count = len(self.ledger.answered) + rng.randint(1, new_keys)
            return f"after answer {count}", self.ledger.wait_for_answers(count)
        if choice == "announcement":
            nth = rng.randint(1, NEW_KEYS_PER_TRIAL)
            messages = messages_path(discord)
            return f"as announcement {nth} reaches Discord", _nth_request(
                discord, lambda r: r.matches("POST", messages), nth, trial.discord_mark
            )
        nth = rng.randint(1, RUNS_PER_TRIAL)
        if choice == "glif run":
            return f"as run {nth} reaches Glif", self.glif.wait_for(
                lambda requests: sum(r.route == "run" for r in requests[trial.glif_mark :]) >= nth,
                STEP_TIMEOUT,
            )
        return f"as result {nth} reaches Discord", _nth_request(
            discord, lambda r: result_run_id(r) is not None, nth, trial.discord_mark
        )


async def _nth_request(
    discord: FakeDiscord, predicate: Callable[[RecordedRequest], bool], nth: int, start: int
) -> RecordedRequest:
    """The nth matching request from `start` on, the moment it arrives (before it is answered)."""
    found = await discord.wait_for(predicate, STEP_TIMEOUT, start=start, answered=False)
    for _ in range(nth - 1):
        start = discord.requests.index(found) + 1
        found = await discord.wait_for(predicate, STEP_TIMEOUT, start=start, answered=False)
    return found


def pending_keys(database_path: Path) -> list[str]:
    """Keys of the events the database holds still to be announced (WAL lets the test read
    while the bot writes)."""
    with closing(sqlite3.connect(database_path)) as database:
        rows = database.execute("SELECT idempotency_key FROM hook_events WHERE state = 'pending'")
        return [key for (key,) in rows]


def announced_since(discord: FakeDiscord, start: int) -> set[str]:
    """Nonces of the announcements Discord answered 200 from request `start` on, a resend of a
    message already made among them."""
    messages = messages_path(discord)
    return {
        request.json["nonce"]
        for request in discord.requests[start:]
        if request.matches("POST", messages) and request.status == 200
    }


async def test_killed_at_random_points_nothing_accepted_is_lost_or_doubled(
    tmp_path: Path,
    fake_discord: FakeDiscord,
    fake_glif: FakeGlif,
    record_property: Callable[[str, object], None],
) -> None:
    environment = bot_environment(tmp_path, fake_discord, fake_glif) | {"LOG_LEVEL": LOG_LEVEL}
    database_path = Path(environment["DATABASE_PATH"])
    hook, secret = await create_hook(database_path, fake_discord)
    serve_glif(fake_glif, run_response="simple-api-text")
    fake_glif.inject("run", delay=GLIF_RUN_SECONDS)
    trials = KillTrials(
        environment, tmp_path, hook, secret, fake_discord, fake_glif, random.Random(SEED)
    )

    for number in range(TRIALS):
        await trials.trial(number)
    exit_code, output = await trials.final_start()

    ledger = trials.ledger
    held = messages_by_nonce(fake_discord)
    lost = {
        key: kill_point
        for key, kill_point in ledger.answered.items()
        if delivery_nonce(hook.id, key) not in held
    }
    doubled = [nonce for nonce, count in held.items() if count > 1]
    # A kill between Discord making a message and the bot noting it: sent again, same nonce.
    sent_again = Counter(
        request.json["nonce"]
        for request in fake_discord.find("POST", messages_path(fake_discord))
        if request.status == 200
    )
    results = Counter(
        run_id
        for request in fake_discord.find("PATCH")
        if request.status == 200 and (run_id := result_run_id(request)) is not None
    )
    figures = {
        "trials": TRIALS,
        "kill_points": ledger.kill_points,
        "events_accepted": len(ledger.answered),
        "events_lost": len(lost),
        "events_doubled": len(doubled),
        "announcements_sent_again": sum(count > 1 for count in sent_again.values()),
        "runs_requested": ledger.runs_requested,
        "run_results_posted": len(results),
    }
    for name, value in figures.items():
        record_property(name, value)

    assert (lost, doubled) == ({}, []), figures
    assert set(held) <= {delivery_nonce(hook.id, key) for key in ledger.sent_keys}
    assert [run_id for run_id, count in results.items() if count > 1] == [], figures
    assert exit_code == 0
    assert "Traceback" not in output.decode()
    assert pending_keys(database_path) == []
    with closing(sqlite3.connect(database_path)) as database:
        assert database.execute("PRAGMA integrity_check").fetchall() == [("ok",)]
        unfinished = database.execute(
            "SELECT count(*) FROM runs WHERE state IN ('queued', 'running')"
        ).fetchone()
    assert unfinished == (0,)
