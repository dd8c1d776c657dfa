"""`python -m bot`: start the bot, or run a maintenance command.

This is the composition root: the one aiohttp session and the one database handle are built here
and handed to everything else.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import signal
import sys

import aiohttp
import discord
from aiohttp import web
from cryptography.fernet import Fernet, MultiFernet

from bot.database import Database, DatabaseError
from bot.discord_bot import GlifBot, point_discord_at
from bot.encryption import EncryptionKeyError, build_cipher, load_keys
from bot.garbage_collection import freeze_startup_objects
from bot.logging_setup import configure_logging
from bot.metrics import refresh_discord_state, refresh_run_queue, refresh_webhook_events
from bot.redaction import Redactor
from bot.services import Services, build_services
from bot.settings import Settings, SettingsError, load_settings
from bot.tokens import KeysDoNotDecrypt
from bot.tokens.rotation import check_keys_decrypt, rotate_keys
from bot.web.app import create_web_app
from bot.web.metrics import MetricsRefresher
from bot.web.server import WebServer

log = logging.getLogger("bot")

EXTENSIONS: tuple[str, ...] = ("cogs",)

EXIT_CONFIGURATION = 2
EXIT_RUNTIME = 1


class StartupError(Exception):
    """Start-up cannot go on; the message is the one line the operator sees."""

    def __init__(self, message: str, exit_code: int = EXIT_CONFIGURATION) -> None:
        super().__init__(message)
        self.exit_code = exit_code


def main(argv: list[str] | None = None) -> int:
    arguments = _parse_arguments(argv)
    if arguments.command == "generate-key":
        print(Fernet.generate_key().decode("ascii"))  # noqa: T201 - the key is the output
        return 0
    try:
        settings = load_settings()
    except SettingsError as error:
        return _fail(str(error), EXIT_CONFIGURATION)
    redactor = Redactor(settings.secrets())
    configure_logging(settings.log_level, redactor)
    command = rotate_stored_tokens if arguments.command == "rotate-keys" else run_bot
    try:
        asyncio.run(command(settings, redactor))
    except StartupError as error:
        return _fail(redactor.redact(str(error)), error.exit_code)
    return 0


def _parse_arguments(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(prog="python -m bot", description=__doc__)
    commands = parser.add_subparsers(dest="command", metavar="command")
    commands.add_parser("run", help="start the bot (the default)")
    commands.add_parser("generate-key", help="print a new key for ENCRYPTION_KEYS")
    commands.add_parser(
        "rotate-keys", help="re-encrypt stored tokens with the first of ENCRYPTION_KEYS"
    )
    return parser.parse_args(argv)


def _fail(message: str, exit_code: int) -> int:
    print(f"glifbot: {message}", file=sys.stderr)  # noqa: T201 - logging may not be set up yet
    return exit_code


async def _open_storage(settings: Settings, redactor: Redactor) -> tuple[Database, MultiFernet]:
    """The migrated database and the cipher of the configured keys."""
    try:
        keys = load_keys(settings)
        redactor.add(*keys)
        database = await Database.open(settings.database_path)
    except (DatabaseError, EncryptionKeyError) as error:
        raise StartupError(str(error)) from None
    return database, build_cipher(keys)


async def rotate_stored_tokens(settings: Settings, redactor: Redactor) -> None:
    database, cipher = await _open_storage(settings, redactor)
    try:
        # Rotation reads every token anyway, and refuses keys that open none of them.
        report = await rotate_keys(database, cipher)
    except KeysDoNotDecrypt as error:
        raise StartupError(str(error)) from None
    finally:
        await database.close()
    print(  # noqa: T201 - the report is the command's output
        f"Re-encrypted {report.rotated} stored tokens with the first key; "
        f"{report.undecryptable} could not be opened by any key."
    )


async def run_bot(settings: Settings, redactor: Redactor) -> None:
    point_discord_at(settings)
    database, cipher = await _open_storage(settings, redactor)
    try:
        try:
            await check_keys_decrypt(database, cipher)
        except KeysDoNotDecrypt as error:
            raise StartupError(str(error)) from None
        async with aiohttp.ClientSession() as http:
            services = await build_services(settings, database, http, redactor, cipher)
            bot = GlifBot(services, EXTENSIONS)
            server = WebServer(build_web_app(services, bot), settings.http_host, settings.http_port)
            try:
                await server.start()
            except OSError as error:
                raise StartupError(
                    f"cannot listen on {settings.http_host}:{settings.http_port} ({error}); "
                    "set HTTP_HOST or HTTP_PORT",
                    EXIT_RUNTIME,
                ) from None
            try:
                await _run_until_signalled(bot, settings)
            finally:
                # In-flight requests finish, then queued events are written (bot.close stops
                # the webhook feature before Discord), then the runs stop.
                await server.stop()
                await bot.close()
                await services.close()
    finally:
        await database.close()
    log.info("Stopped cleanly")


def build_web_app(services: Services, bot: GlifBot) -> web.Application:
    """The HTTP side: health, metrics, and the webhook endpoint of the bot's webhook feature."""
    return create_web_app(
        database=services.database,
        discord_state=bot.connection_state,
        hooks=bot.webhooks.intake,
        metrics_refreshers=_metrics_refreshers(services, bot),
    )


def _metrics_refreshers(services: Services, bot: GlifBot) -> tuple[MetricsRefresher, ...]:
    async def runs() -> None:
        refresh_run_queue(services.run_queue)

    async def webhook_events() -> None:
        await refresh_webhook_events(services.database)

    async def discord_connection() -> None:
        refresh_discord_state(bot.connection_state())

    return (runs, webhook_events, discord_connection)


async def _run_until_signalled(bot: GlifBot, settings: Settings) -> None:
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signal_number in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(signal_number, stop.set)
    bot_task = asyncio.create_task(
        _log_in_freeze_and_connect(bot, settings.discord_token.get_secret_value())
    )
    stop_task = asyncio.create_task(stop.wait())
    try:
        await asyncio.wait({bot_task, stop_task}, return_when=asyncio.FIRST_COMPLETED)
    finally:
        stop_task.cancel()
        for signal_number in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(signal_number)
    if stop.is_set():
        log.info("Shutting down")
        bot_task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await bot_task
        return
    try:
        bot_task.result()
    except discord.LoginFailure:
        raise StartupError("Discord refused DISCORD_TOKEN; copy the bot token again") from None
    except discord.PrivilegedIntentsRequired:
        raise StartupError("Discord refused the gateway intents", EXIT_RUNTIME) from None


async def _log_in_freeze_and_connect(bot: GlifBot, token: str) -> None:
    """`bot.start`, with what start-up built frozen once the bot is set up, before it connects."""
    await bot.login(token)
    frozen = freeze_startup_objects()
    log.info(
        "Set up; %d objects from start-up are left out of the cycle collector's passes", frozen
    )
    await bot.connect()


if __name__ == "__main__":
    sys.exit(main())
