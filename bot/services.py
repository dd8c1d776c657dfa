"""The dependencies every part of the bot shares, built once at start-up and passed down."""

from __future__ import annotations

from dataclasses import dataclass

import aiohttp
from cryptography.fernet import MultiFernet

from bot.database import Database
from bot.glif.client import GlifClient
from bot.redaction import Redactor
from bot.settings import Settings
from bot.tokens import MemberForgetter, TokenVault

READ_TIMEOUT_SECONDS = 10


@dataclass(frozen=True, slots=True)
class Services:
    settings: Settings
    database: Database
    http: aiohttp.ClientSession
    redactor: Redactor
    glif: GlifClient
    forgetter: MemberForgetter
    tokens: TokenVault


def build_services(
    settings: Settings,
    database: Database,
    http: aiohttp.ClientSession,
    redactor: Redactor,
    cipher: MultiFernet,
) -> Services:
    glif = GlifClient(
        http,
        api_url=settings.glif_api_url,
        simple_api_url=settings.glif_simple_api_url,
        read_timeout=READ_TIMEOUT_SECONDS,
        run_timeout=settings.glif_run_timeout,
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
    return Services(
        settings=settings,
        database=database,
        http=http,
        redactor=redactor,
        glif=glif,
        forgetter=forgetter,
        tokens=tokens,
    )
