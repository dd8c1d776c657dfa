"""The dependencies every part of the bot shares, built once at start-up and passed down."""

from __future__ import annotations

from dataclasses import dataclass

import aiohttp

from bot.database import Database
from bot.glif.client import GlifClient
from bot.redaction import Redactor
from bot.settings import Settings

READ_TIMEOUT_SECONDS = 10


@dataclass(frozen=True, slots=True)
class Services:
    settings: Settings
    database: Database
    http: aiohttp.ClientSession
    redactor: Redactor
    glif: GlifClient


def build_services(
    settings: Settings, database: Database, http: aiohttp.ClientSession, redactor: Redactor
) -> Services:
    glif = GlifClient(
        http,
        api_url=settings.glif_api_url,
        simple_api_url=settings.glif_simple_api_url,
        read_timeout=READ_TIMEOUT_SECONDS,
        run_timeout=settings.glif_run_timeout,
    )
    return Services(settings=settings, database=database, http=http, redactor=redactor, glif=glif)
