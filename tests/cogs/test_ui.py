from tests import payloads
from tests.cogs.discovery.support import private_reply
from tests.fakes.discord import is_ephemeral
from tests.harness import Harness

UNAVAILABLE = "Glif is not answering properly right now; try again in a few minutes."


async def test_a_placeholder_discord_cannot_delete_still_leaves_the_member_the_reason(
    harness: Harness,
) -> None:
    # Server errors are retried, so the fault stays for every attempt.
    harness.glif.inject("glifs", status=503, times=None)
    payload = harness.slash(
        "glif", payloads.subcommand("search", payloads.opt_string("query", "sticker"))
    )
    original = rf"/webhooks/\d+/{payload['token']}/messages/@original"
    harness.discord.hang_up("DELETE", original, times=None)

    reply = await private_reply(harness, payload)

    assert harness.discord.find("DELETE", original)
    assert reply["content"] == UNAVAILABLE
    assert is_ephemeral(reply)
