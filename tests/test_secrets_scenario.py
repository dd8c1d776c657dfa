"""SPEC §1 "Hardening": the real `python -m bot`, every log at DEBUG, goes through a whole scenario
(tokens set, runs, hooks created, rotated and called, errors) and no secret it handled shows up in
its output, in what members see in Discord, or where it was not meant to be sent."""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.fernet import Fernet
from multidict import CIMultiDict

from cogs import tokens_replies
from tests import payloads
from tests.fakes.discord import FLAG_EPHEMERAL, FakeDiscord
from tests.fakes.discord import RecordedRequest as DiscordRequest
from tests.fakes.glif import FakeGlif
from tests.scenario.driver import (
    Scenario,
    call_hook,
    drained_bot,
    hook_id_in,
    secret_in,
)
from tests.test_process import bot_environment

HAIKU_GLIF_ID = "cmfakeglif2haiku000000000"
MEMBER = payloads.Actor.member("ada")
OTHER_MEMBER = payloads.Actor.member("bob")
CARELESS_MEMBER = payloads.Actor.member("cy")
ADMIN = payloads.Actor.admin()
# A recognisable piece of a secret leaks it as surely as the whole: both ends are searched too.
PIECE_LENGTH = 12
INTERACTION_LOGGED = re.compile(
    rb"DEBUG +discord\.gateway: For Shard ID \S+: WebSocket Event: .*'t': 'INTERACTION_CREATE'"
)
MODAL_VALUE_BLANKED = re.compile(rb"'type': 4, 'custom_id': '\w+', 'value': '\[redacted\]'")


def new_secret(kind: str) -> str:
    return f"{kind}-{secrets.token_urlsafe(24)}"


@dataclass(frozen=True)
class Secrets:
    """The secrets given to the bot or typed by people; each random, so any piece is telling."""

    discord_token: str = field(
        default_factory=lambda: ".".join(secrets.token_urlsafe(n) for n in (18, 6, 27))
    )
    shared_glif_token: str = field(default_factory=lambda: new_secret("glif-shared"))
    member_glif_token: str = field(default_factory=lambda: new_secret("glif-member"))
    refused_glif_token: str = field(default_factory=lambda: new_secret("glif-refused"))
    encryption_keys: tuple[str, str] = field(
        default_factory=lambda: (Fernet.generate_key().decode(), Fernet.generate_key().decode())
    )
    given_hook_secret: str = field(default_factory=lambda: new_secret("hook-given"))
    rotated_hook_secret: str = field(default_factory=lambda: new_secret("hook-rotated"))
    # A space makes the bot refuse it: it is never stored nor shown, so the log redactor never
    # learns it.
    unfit_hook_secret: str = field(default_factory=lambda: new_secret("hook unfit"))
    wrong_hook_secret: str = field(default_factory=lambda: new_secret("hook-wrong"))

    def named(self) -> dict[str, str]:
        return {
            "Discord bot token": self.discord_token,
            "shared Glif token": self.shared_glif_token,
            "member's Glif token": self.member_glif_token,
            "refused Glif token": self.refused_glif_token,
            "encryption key 1": self.encryption_keys[0],
            "encryption key 2": self.encryption_keys[1],
            "given hook secret": self.given_hook_secret,
            "rotated hook secret": self.rotated_hook_secret,
            "unfit hook secret": self.unfit_hook_secret,
            "wrong hook secret": self.wrong_hook_secret,
        }

    def glif_tokens(self) -> set[str]:
        return {self.shared_glif_token, self.member_glif_token, self.refused_glif_token}


def basic_credentials(secret: str) -> str:
    """RFC 7617 credentials, as `curl -u glide:secret` sends them."""
    return base64.b64encode(f"glide:{secret}".encode()).decode()


def hook_secret_forms(name: str, secret: str) -> dict[str, str]:
    """What would give a hook secret away besides itself: the Basic credentials Glide tools send,
    and the SHA-256 the bot keeps, against which a chosen secret can be guessed offline."""
    digest = hashlib.sha256(secret.encode()).digest()
    return {
        f"{name} as Basic credentials": basic_credentials(secret),
        f"{name} SHA-256 in hex": digest.hex(),
        f"{name} SHA-256 as bytes": repr(digest)[2:-1],
    }


def pieces(secret: str) -> set[str]:
    return {secret, secret[:PIECE_LENGTH], secret[-PIECE_LENGTH:]}


def leaks(text: str, named_secrets: dict[str, str], *, whole: bool = False) -> list[str]:
    return [
        f"{name}: {piece!r}"
        for name, secret in named_secrets.items()
        for piece in sorted({secret} if whole else pieces(secret))
        if piece in text
    ]


def without_authorization(headers: CIMultiDict[str]) -> str:
    return json.dumps([(key, value) for key, value in headers.items() if key != "Authorization"])


def sent_to_discord(request: DiscordRequest) -> str:
    """All of a request to Discord but its Authorization, which carries the bot token."""
    files = [file.data.decode(errors="replace") for file in request.files]
    parts = [request.path, json.dumps(request.query), without_authorization(request.headers)]
    return "\n".join([*parts, json.dumps(request.json), *files])


def discord_leaks(
    requests: Iterable[DiscordRequest], named_secrets: dict[str, str], shown_in: dict[str, str]
) -> list[str]:
    """Secrets in requests to Discord, but for the one hook secret the admin's reply to the
    interaction whose token is a key of `shown_in` may show."""
    found = []
    for request in requests:
        allowed = {name for token, name in shown_in.items() if token in request.path}
        searched = {name: s for name, s in named_secrets.items() if name not in allowed}
        found += [
            f"{request.method} {request.path}: {leak}"
            for leak in leaks(sent_to_discord(request), searched)
        ]
    return found


def is_private(reply: DiscordRequest) -> bool:
    body = reply.json.get("data", reply.json)
    return bool(body["flags"] & FLAG_EPHEMERAL)


@dataclass
class Played:
    """What the scenario learnt along the way, for the searches afterwards."""

    generated_hook_secret: str = ""
    # The token of each interaction whose reply shows the admin, alone and once, a hook secret;
    # and the name of that secret.
    secret_shown_in: dict[str, str] = field(default_factory=dict)
    answers_to_glide: list[str] = field(default_factory=list)


async def set_tokens(scenario: Scenario, used: Secrets) -> None:
    saved = await scenario.set_token(MEMBER, used.member_glif_token)
    assert saved.json["content"].startswith("Token saved for Glif account")
    # Glif turns the token down and quotes it back, as some APIs do.
    scenario.glif.inject(
        "me", status=401, json={"error": f"Bad token {used.refused_glif_token}"}, times=1
    )
    refused = await scenario.set_token(CARELESS_MEMBER, used.refused_glif_token)
    assert refused.json["content"] == tokens_replies.TOKEN_REFUSED


async def run_on_own_and_shared_tokens(scenario: Scenario) -> None:
    own_run = await scenario.run_glif(MEMBER, HAIKU_GLIF_ID)
    shared_run = await scenario.run_glif(OTHER_MEMBER, HAIKU_GLIF_ID)
    for run in (own_run, shared_run):
        assert "autumn rain" in json.dumps(scenario.result_of(run).json)


async def manage_and_call_hooks(scenario: Scenario, used: Secrets, played: Played) -> None:
    given, given_reply = await scenario.create_hook(
        ADMIN, "Orders", payloads.opt_string("secret", used.given_hook_secret)
    )
    given_hook = hook_id_in(given_reply.json["content"])
    assert secret_in(given_reply.json["content"]) == used.given_hook_secret
    generated, generated_reply = await scenario.create_hook(ADMIN, "Refunds")
    generated_hook = hook_id_in(generated_reply.json["content"])
    played.generated_hook_secret = secret_in(generated_reply.json["content"])
    _, unfit_reply = await scenario.create_hook(
        ADMIN, "Returns", payloads.opt_string("secret", used.unfit_hook_secret)
    )
    assert "visible ASCII" in unfit_reply.json["content"]
    rotated, rotated_reply = await scenario.rotate_secret(
        ADMIN, given_hook, used.rotated_hook_secret
    )
    assert secret_in(rotated_reply.data["content"]) == used.rotated_hook_secret
    assert all(map(is_private, (given_reply, generated_reply, rotated_reply)))
    played.secret_shown_in = {
        given["token"]: "given hook secret",
        generated["token"]: "generated hook secret",
        rotated["token"]: "rotated hook secret",
    }

    callers = {
        "Ada": (given_hook, f"Basic {used.rotated_hook_secret}"),
        "Bob": (generated_hook, f"Bearer {played.generated_hook_secret}"),
        "Cy": (generated_hook, f"Basic {basic_credentials(played.generated_hook_secret)}"),
    }
    for who, (hook_id, authorization) in callers.items():
        status, answer = await call_hook(scenario.bot.port, hook_id, authorization, who)
        assert status == 200, answer
        played.answers_to_glide.append(answer)
    # The given secret was rotated away, so it is as wrong as one never given.
    port = scenario.bot.port
    for wrong_secret in (used.wrong_hook_secret, used.given_hook_secret):
        status, answer = await call_hook(port, given_hook, f"Basic {wrong_secret}", "Eve")
        assert status == 401
        played.answers_to_glide.append(answer)
    for who in callers:
        await scenario.announced(who)


async def fail_runs_with_glif_quoting_tokens(scenario: Scenario, used: Secrets) -> None:
    scenario.glif.inject(
        "run", json={"error": f"No credits left on {used.shared_glif_token}"}, times=1
    )
    failed_shared_run = await scenario.run_glif(OTHER_MEMBER, HAIKU_GLIF_ID)
    shared_notice = await scenario.followup(failed_shared_run)
    assert "No credits left on" in shared_notice.json["content"]
    scenario.glif.inject(
        "run", status=401, json={"error": f"Bad token {used.member_glif_token}"}, times=1
    )
    failed_own_run = await scenario.run_glif(MEMBER, HAIKU_GLIF_ID)
    own_notice = await scenario.followup(failed_own_run)
    assert "/glif token set" in own_notice.json["content"]


async def test_no_secret_reaches_the_debug_log_or_a_member(
    tmp_path: Path, fake_discord: FakeDiscord, fake_glif: FakeGlif
) -> None:
    used, played = Secrets(), Played()
    fake_discord.valid_token = used.discord_token
    fake_glif.valid_tokens = {used.shared_glif_token, used.member_glif_token}
    environment = bot_environment(tmp_path, fake_discord, fake_glif) | {
        "DISCORD_TOKEN": used.discord_token,
        "GLIF_API_TOKEN": used.shared_glif_token,
        "ENCRYPTION_KEYS": ",".join(used.encryption_keys),
        "LOG_LEVEL": "DEBUG",
    }

    async with drained_bot(environment, tmp_path) as bot:
        scenario = Scenario(bot, fake_discord, fake_glif)
        await set_tokens(scenario, used)
        await run_on_own_and_shared_tokens(scenario)
        await manage_and_call_hooks(scenario, used, played)
        await fail_runs_with_glif_quoting_tokens(scenario, used)
        assert await bot.stop() == 0

    named = used.named() | {"generated hook secret": played.generated_hook_secret}
    interaction_tokens = {
        f"token of interaction {payload['id']}": payload["token"] for payload in scenario.pushed
    }
    hook_forms: dict[str, str] = {}
    for name, secret in named.items():
        if "hook" in name:
            hook_forms |= hook_secret_forms(name, secret)
    output = bot.output.decode(errors="replace")

    logged = leaks(output, named | interaction_tokens) + leaks(output, hook_forms, whole=True)
    assert not logged, "\n".join(logged)
    sent = discord_leaks(fake_discord.requests, named, played.secret_shown_in)
    assert not sent, "\n".join(sent)
    assert leaks("\n".join(played.answers_to_glide), named) == []
    for request in fake_glif.requests:
        where = [request.path, json.dumps(request.query), json.dumps(request.json)]
        assert leaks("\n".join([*where, without_authorization(request.headers)]), named) == []
        assert request.authorization in {None} | {f"Bearer {t}" for t in used.glif_tokens()}

    # The scenario really ran, at DEBUG, with the secrets in the gateway payloads it logged.
    assert bot.count(INTERACTION_LOGGED) == len(scenario.pushed)
    assert bot.count(MODAL_VALUE_BLANKED) == 2
    runs = {(run.glif_id, run.authorization) for run in fake_glif.requests_to("run")}
    assert runs >= {
        (HAIKU_GLIF_ID, f"Bearer {used.member_glif_token}"),
        (HAIKU_GLIF_ID, f"Bearer {used.shared_glif_token}"),
    }
    checked = [request.authorization for request in fake_glif.requests_to("me")]
    assert checked == [f"Bearer {used.member_glif_token}", f"Bearer {used.refused_glif_token}"]
    assert "Traceback" not in output
