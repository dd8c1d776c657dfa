import asyncio
import json
from collections.abc import Mapping
from typing import Any

import pytest

from bot.glif.errors import GlifRunFailed
from bot.webhooks.api_column import (
    CACHE_SECONDS,
    ApiColumnAnswerer,
    ApiColumnBusy,
    ApiColumnCoordinator,
    ApiColumnRunFailed,
    NoGlifBound,
)
from bot.webhooks.models import AnyParam, parse_glide_body
from bot.webhooks.store import Hook, HookStore
from tests.bot.webhooks.conftest import (
    GUILD_ID,
    Endpoint,
    EndpointFactory,
    FakeClock,
    GlifStub,
    api_column,
    text,
)
from tests.fakes.discord_plugin import DiscordErrorCollector

GLIF_ID = "cm-glif-1"


@pytest.fixture
async def glif_hook(hooks: HookStore) -> tuple[Hook, str]:
    return await hooks.create_hook(
        guild_id=GUILD_ID, channel_id=1, name="Sheet", created_by=1, glif_id=GLIF_ID
    )


def params_of(**params: dict[str, object]) -> Mapping[str, AnyParam]:
    return parse_glide_body(json.dumps(api_column(**params))).params


def output_for(inputs: dict[str, str]) -> str:
    return f"output for {json.dumps(inputs, sort_keys=True)}"


class CountingAnswerer:
    """Lets a test wait until a number of requests have reached the coordinator."""

    def __init__(self, inner: ApiColumnAnswerer) -> None:
        self.inner = inner
        self.arrived = 0
        self._changed = asyncio.Condition()

    async def answer(self, hook: Hook, params: Mapping[str, AnyParam]) -> str:
        async with self._changed:
            self.arrived += 1
            self._changed.notify_all()
        return await self.inner.answer(hook, params)

    async def wait_for(self, count: int) -> None:
        async with self._changed:
            await asyncio.wait_for(self._changed.wait_for(lambda: self.arrived >= count), 10)


async def counting_endpoint(
    make_endpoint: EndpointFactory, **options: Any
) -> tuple[Endpoint, CountingAnswerer]:
    counting: list[CountingAnswerer] = []

    def wrap(coordinator: ApiColumnCoordinator) -> ApiColumnAnswerer:
        counting.append(CountingAnswerer(coordinator))
        return counting[0]

    endpoint = await make_endpoint(wrap=wrap, **options)
    return endpoint, counting[0]


async def test_burst_of_200_over_10_param_sets_runs_the_glif_10_times(
    make_endpoint: EndpointFactory, glif_hook: tuple[Hook, str], glif_stub: GlifStub
) -> None:
    hook, secret = glif_hook
    endpoint, counting = await counting_endpoint(make_endpoint)
    glif_stub.release.clear()
    requests = [
        asyncio.create_task(
            endpoint.post(
                hook.id, api_column(row=text(f"row {n % 10}")), authorization=f"Basic {secret}"
            )
        )
        for n in range(200)
    ]
    await counting.wait_for(200)
    glif_stub.release.set()
    answers = await asyncio.gather(*requests)

    assert len(glif_stub.calls) == 10
    assert sorted(inputs["row"] for _, inputs in glif_stub.calls) == [f"row {n}" for n in range(10)]
    for n, (status, body, _) in enumerate(answers):
        assert status == 200
        assert body == {"type": "string", "value": output_for({"row": f"row {n % 10}"})}


async def test_identical_requests_share_one_run_even_without_the_cache(
    glif_hook: tuple[Hook, str], glif_stub: GlifStub
) -> None:
    hook, _ = glif_hook
    coordinator = ApiColumnCoordinator(
        glif_stub, runs_per_hook=4, deadline_seconds=5, cache_seconds=0
    )
    glif_stub.release.clear()
    waiting = [
        asyncio.create_task(coordinator.answer(hook, params_of(q=text("a")))) for _ in range(5)
    ]
    await glif_stub.started.wait()
    glif_stub.release.set()
    assert len(set(await asyncio.gather(*waiting))) == 1
    assert len(glif_stub.calls) == 1
    # Once the shared run is over, with no cache, the next request runs again.
    await coordinator.answer(hook, params_of(q=text("a")))
    assert len(glif_stub.calls) == 2


async def test_param_order_does_not_matter_and_typed_params_become_text(
    glif_hook: tuple[Hook, str], glif_stub: GlifStub
) -> None:
    hook, _ = glif_hook
    coordinator = ApiColumnCoordinator(glif_stub, runs_per_hook=4, deadline_seconds=5)
    first = params_of(
        n={"type": "number", "value": 12},
        f={"type": "number", "value": 2.5},
        b={"type": "boolean", "value": True},
        d={"type": "date-time", "value": "2026-11-22T10:00:00.000Z"},
        s=text("Ada"),
        gone=text(None),  # type: ignore[arg-type]
    )
    second = dict(reversed(list(first.items())))
    assert await coordinator.answer(hook, first) == await coordinator.answer(hook, second)
    assert glif_stub.calls == [
        (
            GLIF_ID,
            {"n": "12", "f": "2.5", "b": "true", "d": "2026-11-22T10:00:00.000Z", "s": "Ada"},
        )
    ]


async def test_results_are_cached_for_ten_minutes(
    glif_hook: tuple[Hook, str], glif_stub: GlifStub
) -> None:
    hook, _ = glif_hook
    clock = FakeClock()
    coordinator = ApiColumnCoordinator(glif_stub, runs_per_hook=4, deadline_seconds=5, clock=clock)
    params = params_of(q=text("a"))
    await coordinator.answer(hook, params)
    clock.now += CACHE_SECONDS - 1
    await coordinator.answer(hook, params)
    assert len(glif_stub.calls) == 1
    clock.now += 1
    await coordinator.answer(hook, params)
    assert len(glif_stub.calls) == 2


async def test_past_the_deadline_503_while_the_run_goes_on_and_fills_the_cache(
    make_endpoint: EndpointFactory, glif_hook: tuple[Hook, str], glif_stub: GlifStub
) -> None:
    hook, secret = glif_hook
    endpoint = await make_endpoint(deadline_seconds=0.05)
    glif_stub.release.clear()
    body = api_column(q=text("slow"))
    status, answer, headers = await endpoint.post(hook.id, body, authorization=f"Basic {secret}")
    assert status == 503
    assert set(answer) == {"error"}
    assert int(headers["Retry-After"]) > 0

    glif_stub.release.set()
    await glif_stub.finished.wait()
    status, answer, _ = await endpoint.post(hook.id, body, authorization=f"Basic {secret}")
    assert (status, answer) == (200, {"type": "string", "value": output_for({"q": "slow"})})
    assert len(glif_stub.calls) == 1


async def test_glif_error_is_502_with_its_text_and_not_cached(
    make_endpoint: EndpointFactory, glif_hook: tuple[Hook, str], glif_stub: GlifStub
) -> None:
    hook, secret = glif_hook
    endpoint = await make_endpoint()
    glif_stub.error = GlifRunFailed("prompt rejected by the model")
    body = api_column(q=text("x"))
    for _ in range(2):
        status, answer, _ = await endpoint.post(hook.id, body, authorization=f"Basic {secret}")
        assert status == 502
        assert answer == {"error": str(glif_stub.error)}
        assert "prompt rejected by the model" in answer["error"]
    assert len(glif_stub.calls) == 2


async def test_unexpected_runner_error_is_502_with_a_plain_sentence(
    make_endpoint: EndpointFactory,
    glif_hook: tuple[Hook, str],
    glif_stub: GlifStub,
    fail_on_discord_errors: DiscordErrorCollector,
) -> None:
    fail_on_discord_errors.expect("An API-column glif run raised unexpectedly")
    hook, secret = glif_hook
    endpoint = await make_endpoint()
    glif_stub.error = RuntimeError("internal detail that must not leak")
    status, answer, _ = await endpoint.post(
        hook.id, api_column(q=text("x")), authorization=f"Basic {secret}"
    )
    assert status == 502
    assert "internal detail" not in answer["error"]


async def test_over_the_hooks_cap_is_503_with_retry_after(
    make_endpoint: EndpointFactory, glif_hook: tuple[Hook, str], glif_stub: GlifStub
) -> None:
    hook, secret = glif_hook
    endpoint, counting = await counting_endpoint(
        make_endpoint, runs_per_hook=1, queued_runs_per_hook=1
    )
    glif_stub.release.clear()

    def post(value: str) -> asyncio.Task[tuple[int, Any, Any]]:
        body = api_column(q=text(value))
        return asyncio.create_task(endpoint.post(hook.id, body, authorization=f"Basic {secret}"))

    running = post("1")
    await counting.wait_for(1)
    queued = post("2")
    await counting.wait_for(2)
    status, answer, headers = await post("3")
    assert status == 503
    assert set(answer) == {"error"}
    assert int(headers["Retry-After"]) > 0
    # A copy of a request already in flight joins it instead of counting against the cap.
    joined = post("1")
    await counting.wait_for(4)
    glif_stub.release.set()
    assert [(await task)[0] for task in (running, queued, joined)] == [200, 200, 200]
    assert [inputs["q"] for _, inputs in glif_stub.calls] == ["1", "2"]


async def test_caps_are_per_hook(
    hooks: HookStore, glif_hook: tuple[Hook, str], glif_stub: GlifStub
) -> None:
    hook, _ = glif_hook
    other, _ = await hooks.create_hook(
        guild_id=GUILD_ID, channel_id=1, name="Other", created_by=1, glif_id=GLIF_ID
    )
    coordinator = ApiColumnCoordinator(
        glif_stub, runs_per_hook=1, deadline_seconds=5, queued_runs_per_hook=0
    )
    glif_stub.release.clear()
    first = asyncio.create_task(coordinator.answer(hook, params_of(q=text("a"))))
    await glif_stub.started.wait()
    with pytest.raises(ApiColumnBusy):
        await coordinator.answer(hook, params_of(q=text("b")))
    second = asyncio.create_task(coordinator.answer(other, params_of(q=text("b"))))
    glif_stub.release.set()
    await asyncio.gather(first, second)
    assert len(glif_stub.calls) == 2


async def test_hook_without_glif_is_refused(hooks: HookStore, glif_stub: GlifStub) -> None:
    hook, _ = await hooks.create_hook(guild_id=GUILD_ID, channel_id=1, name="Plain", created_by=1)
    coordinator = ApiColumnCoordinator(glif_stub, runs_per_hook=1, deadline_seconds=5)
    with pytest.raises(NoGlifBound):
        await coordinator.answer(hook, {})
    assert glif_stub.calls == []


async def test_close_cancels_runs_in_flight(
    glif_hook: tuple[Hook, str], glif_stub: GlifStub
) -> None:
    hook, _ = glif_hook
    coordinator = ApiColumnCoordinator(glif_stub, runs_per_hook=1, deadline_seconds=5)
    glif_stub.release.clear()
    waiting = asyncio.create_task(coordinator.answer(hook, params_of(q=text("a"))))
    await glif_stub.started.wait()
    await coordinator.close()
    with pytest.raises((ApiColumnRunFailed, asyncio.CancelledError)):
        await waiting
