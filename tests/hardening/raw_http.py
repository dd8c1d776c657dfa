"""One HTTP/1.1 exchange over a bare TCP connection, for requests no HTTP client would send."""

import asyncio
import contextlib
from dataclasses import dataclass

from multidict import CIMultiDict

# An answer, or the server closing the connection, is due long before this.
ANSWER_TIMEOUT_SECONDS = 5.0
_HEAD_END = b"\r\n\r\n"
_CONTINUE = 100


@dataclass(frozen=True)
class RawAnswer:
    status: int
    headers: CIMultiDict[str]
    body: bytes


async def exchange(
    host: str,
    port: int,
    request: bytes,
    *,
    after_continue: bytes = b"",
    half_close: bool = False,
) -> RawAnswer | None:
    """Send `request` and read the final answer; None when the server closed without one.

    `after_continue` is sent once the server has answered `Expect: 100-continue`, that is once
    the handler is reading the body: it reaches the handler as a body arriving late. With
    `half_close` the client then stops sending, as one that gave up mid-body.
    """
    reader, writer = await asyncio.open_connection(host, port)
    try:
        return await asyncio.wait_for(
            _converse(reader, writer, request, after_continue, half_close=half_close),
            ANSWER_TIMEOUT_SECONDS,
        )
    except (asyncio.IncompleteReadError, ConnectionError):
        return None
    finally:
        writer.close()
        with contextlib.suppress(ConnectionError):
            await writer.wait_closed()


async def _converse(
    reader: asyncio.StreamReader,
    writer: asyncio.StreamWriter,
    request: bytes,
    after_continue: bytes,
    *,
    half_close: bool,
) -> RawAnswer:
    await _send(writer, request)
    early_answer = None
    if after_continue:
        status, headers = await _read_head(reader)
        if status == _CONTINUE:
            await _send(writer, after_continue)
        else:
            early_answer = status, headers
    if half_close:
        with contextlib.suppress(ConnectionError):
            writer.write_eof()
    status, headers = early_answer or await _read_final_head(reader)
    if request.startswith(b"HEAD "):
        return RawAnswer(status, headers, b"")
    length = headers.get("Content-Length")
    body = await reader.readexactly(int(length)) if length is not None else await reader.read()
    return RawAnswer(status, headers, body)


async def _send(writer: asyncio.StreamWriter, data: bytes) -> None:
    # The server may answer and stop reading before all is written (413 on the declared
    # length): its answer, not a write error, is what is under test.
    with contextlib.suppress(ConnectionError):
        writer.write(data)
        await writer.drain()


async def _read_final_head(reader: asyncio.StreamReader) -> tuple[int, CIMultiDict[str]]:
    """The head of the real answer, past any interim one (100 Continue)."""
    status, headers = await _read_head(reader)
    while status < 200:
        status, headers = await _read_head(reader)
    return status, headers


async def _read_head(reader: asyncio.StreamReader) -> tuple[int, CIMultiDict[str]]:
    head = await reader.readuntil(_HEAD_END)
    status_line, *header_lines = head[: -len(_HEAD_END)].decode("latin-1").split("\r\n")
    headers = CIMultiDict[str]()
    for line in header_lines:
        name, _, value = line.partition(":")
        headers.add(name.strip(), value.strip())
    return int(status_line.split(" ", 2)[1]), headers
