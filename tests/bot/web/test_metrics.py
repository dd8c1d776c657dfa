import aiohttp
from prometheus_client.parser import text_string_to_metric_families

from tests import payloads
from tests.bot.webhooks.conftest import app_action
from tests.cogs.hooks.support import make_hook, post_hook
from tests.harness import Harness


async def scrape(harness: Harness) -> dict[str, float]:
    async with (
        aiohttp.ClientSession() as http,
        http.get(f"{harness.web_url}/metrics") as response,
    ):
        assert response.status == 200
        assert response.headers["Content-Type"].startswith("text/plain; version=")
        text = await response.text()
    samples = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            labels = ",".join(f"{k}={v}" for k, v in sorted(sample.labels.items()))
            samples[f"{sample.name}{{{labels}}}"] = sample.value
    return samples


async def test_metrics_describe_runs_glif_webhooks_and_discord(harness: Harness) -> None:
    before = await scrape(harness)
    assert before["glifbot_runs_queued{}"] == 0
    assert before["glifbot_runs_in_flight{}"] == 0
    assert before["glifbot_webhook_events{state=pending}"] == 0
    assert before["glifbot_discord_connected{}"] == 0

    payload = harness.slash("glif", payloads.subcommand("featured"))
    await harness.discord.wait_for_request("PATCH", rf"/webhooks/\d+/{payload['token']}/.*")
    # Discord refuses the announcement, so the accepted event stays pending.
    harness.discord.server_error("POST", r"/channels/\d+/messages", status=503, times=None)
    hook, secret = await make_hook(harness)
    status, _ = await post_hook(harness, hook.id, app_action("pending-1"), secret)
    assert status == 200

    after = await scrape(harness)
    calls = "glifbot_glif_call_seconds_count{endpoint=glifs}"
    assert after[calls] > before.get(calls, 0)
    assert after["glifbot_webhook_events{state=pending}"] == 1
