"""Runs the web app on a TCP port, beside the bot, and stops it gracefully."""

from __future__ import annotations

import logging

from aiohttp import web

log = logging.getLogger(__name__)

# A Glide API column can fire hundreds of requests at once; the default backlog of 128 drops some.
LISTEN_BACKLOG = 2048
# In-flight requests get this long to finish on shutdown; SIGTERM must end the process within 5 s.
SHUTDOWN_GRACE_SECONDS = 3.0


class WebServer:
    def __init__(self, app: web.Application, host: str, port: int) -> None:
        self._runner = web.AppRunner(app, access_log=None, shutdown_timeout=SHUTDOWN_GRACE_SECONDS)
        self._host = host
        self._port = port

    async def start(self) -> None:
        await self._runner.setup()
        site = web.TCPSite(self._runner, self._host, self._port, backlog=LISTEN_BACKLOG)
        await site.start()
        log.info("Webhook endpoint listening on %s:%d", self._host, self.port)

    @property
    def port(self) -> int:
        """The bound port, which differs from the configured one when that was 0."""
        address = self._runner.addresses[0]
        return int(address[1])

    async def stop(self) -> None:
        await self._runner.cleanup()
