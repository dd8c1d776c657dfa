"""Local ports for tests that need a connection refused."""

import socket


def closed_port() -> int:
    """A local port nothing listens on, so that connecting to it is refused."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port
