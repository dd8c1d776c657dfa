"""The dependencies every part of the bot shares, built once at start-up and passed down."""

from __future__ import annotations

import logging
from dataclasses import dataclass

import aiohttp
from cryptography.fernet import MultiFernet

from bot.database import Database
from bot.glif.client import GlifClient
from bot.metrics import record_glif_call
from bot.redaction import Redactor
from bot.runs.media import MediaFetcher
from bot.runs.queue import RunQueue
from bot.runs.store import RunStore
from bot.settings import Settings
from bot.tokens import MemberForgetter, TokenVault

log = logging.getLogger(__name__)

READ_TIMEOUT_SECONDS = 10
INTERRUPTED_RUN = "The bot restarted before this run finished; run it again."


@dataclass(frozen=True, slots=True)
class Services:
    settings: Settings
    database: Database
    http: aiohttp.ClientSession
    redactor: Redactor
    glif: GlifClient
    forgetter: MemberForgetter
    tokens: TokenVault
    runs: RunStore
    run_queue: RunQueue
    # Its own session: its connector refuses private addresses, which the shared one must not.
    media: MediaFetcher

    async def close(self) -> None:
        """Stop runs in flight, then downloads; the caller owns `http` and `database`."""
        await self.run_queue.close()
        await self.media.close()


async def build_services(
    settings: Settings,
    database: Database,
    http: aiohttp.ClientSession,
    redactor: Redactor,
    cipher: MultiFernet,
    *,
    allow_private_media: bool = False,
) -> Services:
    """Everything the cogs use; call while the event loop runs."""
    glif = GlifClient(
        http,
        api_url=settings.glif_api_url,
        simple_api_url=settings.glif_simple_api_url,
        read_timeout=READ_TIMEOUT_SECONDS,
        run_timeout=settings.glif_run_timeout,
        on_call=record_glif_call,
    )
    forgetter = MemberForgetter(database)
    tokens = TokenVault(
        database,
        cipher,
        redactor,
        forgetter,
        shared_token=settings.glif_api_token,
        shared_daily_runs=settings.shared_token_daily_runs,
    )
    runs = RunStore(database, forgetter)
    interrupted = await runs.fail_unfinished(INTERRUPTED_RUN)
    if interrupted:
        log.warning("Marked %d runs interrupted by the last shutdown as failed", interrupted)
    return Services(
        settings=settings,
        database=database,
        http=http,
        redactor=redactor,
        glif=glif,
        forgetter=forgetter,
        tokens=tokens,
        runs=runs,
        run_queue=RunQueue(settings.run_concurrency, settings.runs_per_user),
        media=MediaFetcher(settings.media_hosts, allow_private_addresses=allow_private_media),
    )
