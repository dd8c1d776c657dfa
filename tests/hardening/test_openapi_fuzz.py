"""Schemathesis against the live endpoint, from the document the endpoint serves: a bounded,
derandomized run per documented operation and generation mode. No answer may be a 5xx, and every
answer must match the document: status code, content type, headers and body schema; an
authenticated success must also fail without the secret (schemathesis's `ignored_auth`).

Schemathesis sends its requests synchronously (with `requests`), so it runs in a worker thread
while the test's event loop serves them.
"""

import asyncio
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode

from bot.webhooks.intake import HOOK_ROUTE
from bot.webhooks.openapi import OPENAPI_DOCUMENT
from tests.hardening.conftest import AUTHORIZATION_FORMS, LiveEndpoint

EXAMPLES_PER_OPERATION = 50
FUZZ = settings(
    max_examples=EXAMPLES_PER_OPERATION,
    deadline=None,
    derandomize=True,
    database=None,
    # Each example is an HTTP round trip; the bound above is what keeps the run short.
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
)
MODES = [GenerationMode.POSITIVE, GenerationMode.NEGATIVE]
# A hook with no glif answers a valid api-column 422: its state decides, not the data sent.
NO_GLIF_CONFIG = schemathesis.Config.from_dict(
    {"checks": {"positive_data_acceptance": {"expected-statuses": ["2xx", "422"]}}}
)


async def fuzz(
    endpoint: LiveEndpoint,
    method: str,
    path: str,
    mode: GenerationMode,
    *,
    path_parameters: dict[str, str] | None = None,
    config: schemathesis.Config | None = None,
) -> None:
    base_url = endpoint.base_url

    def run() -> None:
        schema = schemathesis.openapi.from_url(base_url + "/openapi.json", config=config)
        cases = schema[path][method].as_strategy(
            generation_mode=mode, path_parameters=path_parameters
        )

        @FUZZ
        @given(case=cases, form=st.sampled_from(sorted(AUTHORIZATION_FORMS)))
        def exchange(case: schemathesis.Case[Any], form: str) -> None:
            case.call_and_validate(
                base_url=base_url, headers={"Authorization": AUTHORIZATION_FORMS[form]}
            )

        exchange()

    await asyncio.to_thread(run)


@pytest.mark.parametrize("mode", MODES, ids=str)
@pytest.mark.parametrize("hook", ["bound to a glif", "bound to nothing", "unknown"])
async def test_the_webhook_endpoint_answers_as_documented(
    live_endpoint: LiveEndpoint, hook: str, mode: GenerationMode
) -> None:
    # Known hooks, so that authenticated requests get past the 404 to the deeper checks.
    hook_ids = {
        "bound to a glif": {"hook_id": live_endpoint.hook.id},
        "bound to nothing": {"hook_id": live_endpoint.unbound_hook.id},
        "unknown": None,
    }
    config = NO_GLIF_CONFIG if hook == "bound to nothing" else None
    await fuzz(
        live_endpoint, "POST", HOOK_ROUTE, mode, path_parameters=hook_ids[hook], config=config
    )


def other_operations() -> list[tuple[str, str, GenerationMode]]:
    """Every other documented operation with valid data, and invalid data where it takes any."""
    runs = []
    for path, item in OPENAPI_DOCUMENT["paths"].items():
        if path == HOOK_ROUTE:
            continue
        for method, operation in item.items():
            takes_input = "parameters" in operation or "requestBody" in operation
            runs += [(method.upper(), path, mode) for mode in MODES[: 2 if takes_input else 1]]
    return runs


@pytest.mark.parametrize(("method", "path", "mode"), other_operations(), ids=str)
async def test_the_other_operations_answer_as_documented(
    live_endpoint: LiveEndpoint, method: str, path: str, mode: GenerationMode
) -> None:
    await fuzz(live_endpoint, method, path, mode)
