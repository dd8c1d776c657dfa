"""A seeded corpus of malformed requests to the webhook endpoint, each with the answers it may get.

The hook's id is only known at run time, so the corpus is built for a `Target`; the seed makes
it the same corpus every time, so that a failure names a request that can be replayed.

Every request that the application itself judges is malformed in a way it checks, so nothing
may be stored whoever answers it. `Level.PROTOCOL` marks requests that aiohttp may refuse
before the application sees them; aiohttp's own refusals are plain text.
"""

import base64
import copy
import gzip
import json
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from enum import Enum
from random import Random

from bot.webhooks.intake import MAX_BODY_BYTES
from bot.webhooks.models import MAX_APP_ID_LENGTH, MAX_KEY_LENGTH
from bot.webhooks.store import HOOK_PATH_PREFIX

SEED = 20261122
NESTING_DEPTH = 10_000
OVERSIZED_HEADER_BYTES = 64 * 1024
# Past aiohttp's 8190-byte limit on a header line, but a value the application itself judges.
LONG_HEADER_BYTES = 8000
_SPLICE_MARK = "@@spliced@@"


class Level(Enum):
    APP = "app"
    PROTOCOL = "protocol"


@dataclass(frozen=True)
class Target:
    host: str
    hook_id: str
    secret: str


@dataclass(frozen=True)
class Malformed:
    name: str
    wire: bytes
    statuses: frozenset[int]
    level: Level
    # Sent once the server has answered `Expect: 100-continue`: a body that arrives late.
    after_continue: bytes = b""
    # The client stops sending mid-request, so the server may close without an answer.
    half_close: bool = False


def valid_app_action(key: str) -> dict[str, object]:
    """Glide's body with one param of each type: what the corpus breaks, one way at a time."""
    return {
        "hookKind": "app-action",
        "appID": "app-123",
        "idempotencyKey": key,
        "timestamp": "2026-11-22T10:00:00.000Z",
        "params": {
            "name": {"type": "string", "value": "Ada"},
            "score": {"type": "number", "value": 12},
            "vip": {"type": "boolean", "value": True},
            "due": {"type": "date-time", "value": "2026-11-23T09:30:00.000Z"},
        },
    }


def _valid_api_column() -> dict[str, object]:
    return {
        "hookKind": "api-column",
        "appID": "app-123",
        "params": {"name": {"type": "string", "value": "Ada"}},
    }


def build_corpus(target: Target) -> list[Malformed]:
    random = Random(SEED)
    builder = RequestBuilder(target)
    families: list[Callable[[RequestBuilder, Random], Iterator[Malformed]]] = [
        _truncated_json,
        _structural_deletions,
        _wrong_types,
        _huge_numbers,
        _deep_nesting,
        _invalid_utf8,
        _other_encodings,
        _duplicate_keys,
        _not_quite_json,
        _missing_bodies,
        _wrong_methods,
        _oversized_headers,
        _content_lengths,
        _chunked_bodies,
        _content_types,
        _mangled_authorization,
        _paths,
        _mangled_request_lines,
        _mangled_header_lines,
        _garbage,
        _content_encodings,
    ]
    corpus = [request for family in families for request in family(builder, random)]
    names = [request.name for request in corpus]
    assert len(names) == len(set(names)), "corpus names must tell requests apart"
    return corpus


@dataclass(frozen=True)
class RequestBuilder:
    target: Target

    @property
    def path(self) -> bytes:
        return (HOOK_PATH_PREFIX + self.target.hook_id).encode()

    def wire(
        self,
        body: bytes = b"",
        *,
        method: bytes = b"POST",
        path: bytes | None = None,
        version: bytes = b"HTTP/1.1",
        headers: dict[bytes, bytes | None] | None = None,
        extra: tuple[bytes, ...] = (),
    ) -> bytes:
        """A request with Glide's headers, `headers` replacing (or with None removing) some of
        them; `extra` lines are added as they are, repeated names and broken lines included."""
        fields: dict[bytes, bytes | None] = {
            b"Host": self.target.host.encode(),
            b"Authorization": b"Basic " + self.target.secret.encode(),
            b"Content-Type": b"application/json",
            b"Content-Length": str(len(body)).encode(),
            b"Connection": b"close",
            **(headers or {}),
        }
        lines = [b" ".join((method, self.path if path is None else path, version))]
        lines += [name + b": " + value for name, value in fields.items() if value is not None]
        lines += extra
        return b"\r\n".join(lines) + b"\r\n\r\n" + body

    def app(
        self,
        name: str,
        body: bytes,
        statuses: frozenset[int] = frozenset({400}),
        *,
        method: bytes = b"POST",
        path: bytes | None = None,
        headers: dict[bytes, bytes | None] | None = None,
    ) -> Malformed:
        wire = self.wire(body, method=method, path=path, headers=headers)
        return Malformed(name, wire, statuses, Level.APP)

    def protocol(
        self,
        name: str,
        wire: bytes,
        statuses: frozenset[int] = frozenset({400}),
        *,
        after_continue: bytes = b"",
        half_close: bool = False,
    ) -> Malformed:
        return Malformed(name, wire, statuses, Level.PROTOCOL, after_continue, half_close)


def _dumps(body: object) -> bytes:
    return json.dumps(body).encode()


def _replaced(body: dict[str, object], path: tuple[str, ...], value: object) -> dict[str, object]:
    changed = copy.deepcopy(body)
    container: dict[str, object] = changed
    for key in path[:-1]:
        inner = container[key]
        assert isinstance(inner, dict)
        container = inner
    container[path[-1]] = value
    return changed


def _spliced(body: dict[str, object], path: tuple[str, ...], raw: bytes) -> bytes:
    """The body serialised with the value at `path` replaced by raw bytes, JSON or not."""
    marked = _dumps(_replaced(body, path, _SPLICE_MARK))
    return marked.replace(_dumps(_SPLICE_MARK), raw)


def _truncated_json(builder: RequestBuilder, random: Random) -> Iterator[Malformed]:
    for kind, body in (
        ("app-action", _dumps(valid_app_action("truncated"))),
        ("api-column", _dumps(_valid_api_column())),
    ):
        for cut in sorted(random.sample(range(len(body)), 30)):
            yield builder.app(f"truncated {kind} at byte {cut}", body[:cut])


def _structural_deletions(builder: RequestBuilder, random: Random) -> Iterator[Malformed]:
    body = _dumps(valid_app_action("deleted"))
    structural = [index for index, byte in enumerate(body) if byte in b'{}:,"']
    for index in sorted(random.sample(structural, 30)):
        deleted = body[:index] + body[index + 1 :]
        yield builder.app(f"{chr(body[index])!r} at byte {index} deleted", deleted)


_WRONG_VALUES: dict[tuple[str, ...], list[object]] = {
    ("hookKind",): [None, 1, True, [], {}, "", "App-Action", "app_action", " app-action", "ping"],
    ("appID",): [None, 1, 1.5, False, [], {"id": "x"}, "a" * (MAX_APP_ID_LENGTH + 1)],
    ("idempotencyKey",): [None, 1, True, [], {}, "", "k" * (MAX_KEY_LENGTH + 1)],
    ("timestamp",): [
        1,
        True,
        [],
        {},
        "",
        "yesterday",
        "2026-13-01T00:00:00Z",
        "2026-11-22T25:00:00Z",
        "2026-02-30T00:00:00Z",
        "1763805600",
    ],
    ("params",): [None, [], "name=Ada", 1, True],
    ("params", "name"): [None, "Ada", 1, [], {}, {"type": "string"}, {"value": "Ada"}],
    ("params", "name", "type"): [None, 1, "text", "String", "", "date"],
    ("params", "name", "value"): [1, True, [], {"text": "Ada"}],
    ("params", "score", "value"): ["12", True, [], {}, "1e3"],
    ("params", "vip", "value"): ["true", 1, 0, "yes", []],
    ("params", "due", "value"): [1763805600, "tomorrow", "", "2026-11-23 09:30 UTC", True],
}


def _wrong_types(builder: RequestBuilder, random: Random) -> Iterator[Malformed]:
    base = valid_app_action("wrong-type")
    for path, values in _WRONG_VALUES.items():
        for value in values:
            label = json.dumps(value)[:24]
            yield builder.app(f"{'.'.join(path)} = {label}", _dumps(_replaced(base, path, value)))
    column = _valid_api_column()
    for value in ("", 1, [], "k" * (MAX_KEY_LENGTH + 1)):
        label = json.dumps(value)[:24]
        body = _dumps({**column, "idempotencyKey": value})
        yield builder.app(f"api-column idempotencyKey = {label}", body)


def _huge_numbers(builder: RequestBuilder, random: Random) -> Iterator[Malformed]:
    base = valid_app_action("huge-number")
    numbers = {
        "1e400": b"1e400",
        "-1e400": b"-1e400",
        "1E+999": b"1E+999",
        "10**1000": b"1" + b"0" * 1000,
        "-(10**1000)": b"-1" + b"0" * 1000,
        "10**40000": b"1" + b"0" * 40_000,
        "1.0e309": b"1.0e309",
    }
    for label, raw in numbers.items():
        yield builder.app(f"score {label}", _spliced(base, ("params", "score", "value"), raw))
    for label, raw in list(numbers.items())[:3]:
        yield builder.app(f"appID {label}", _spliced(base, ("appID",), raw))
        yield builder.app(f"timestamp {label}", _spliced(base, ("timestamp",), raw))
    # Valid JSON, but longer than the parser reads even where the value would be ignored.
    yield builder.app("unknown field 10**40000", _spliced(base, ("extra",), numbers["10**40000"]))


def _deep_nesting(builder: RequestBuilder, random: Random) -> Iterator[Malformed]:
    base = valid_app_action("deep")
    arrays = b"[" * NESTING_DEPTH + b"]" * NESTING_DEPTH
    objects = b'{"a":' * NESTING_DEPTH + b"1" + b"}" * NESTING_DEPTH
    for label, raw in (("arrays", arrays), ("objects", objects)):
        yield builder.app(
            f"{label} {NESTING_DEPTH} deep as a param value",
            _spliced(base, ("params", "name", "value"), raw),
        )
        yield builder.app(
            f"{label} {NESTING_DEPTH} deep in an unknown field", _spliced(base, ("extra",), raw)
        )
        yield builder.app(f"{label} {NESTING_DEPTH} deep as the body", raw)
    yield builder.app(f"arrays {NESTING_DEPTH} deep, never closed", b"[" * NESTING_DEPTH)
    yield builder.app(
        "arrays nested past the size cap", b"[" * (MAX_BODY_BYTES + 1), statuses=frozenset({413})
    )


_INVALID_UTF8 = {
    "0xff": b"\xff",
    "0xfe": b"\xfe",
    "lone continuation": b"\x80",
    "overlong slash (2 bytes)": b"\xc0\xaf",
    "overlong slash (3 bytes)": b"\xe0\x80\xaf",
    "overlong slash (4 bytes)": b"\xf0\x80\x80\xaf",
    "overlong DEL": b"\xc1\xbf",
    "UTF-16 high surrogate": b"\xed\xa0\x80",
    "UTF-16 low surrogate": b"\xed\xbf\xbf",
    "past U+10FFFF": b"\xf4\x90\x80\x80",
    "5-byte form": b"\xf8\x88\x80\x80\x80",
    "truncated euro sign": b"\xe2\x82",
}


def _invalid_utf8(builder: RequestBuilder, random: Random) -> Iterator[Malformed]:
    base = valid_app_action("utf8")
    for label, sequence in _INVALID_UTF8.items():
        for path in (("appID",), ("idempotencyKey",), ("params", "name", "value")):
            raw = b'"A' + sequence + b'da"'
            yield builder.app(f"{label} in {'.'.join(path)}", _spliced(base, path, raw))
        raw_key = b'{"na' + sequence + b'me": {"type": "string", "value": "Ada"}}'
        yield builder.app(f"{label} in a param name", _spliced(base, ("params",), raw_key))


def _other_encodings(builder: RequestBuilder, random: Random) -> Iterator[Malformed]:
    text = json.dumps(valid_app_action("encoding"))
    for codec in ("utf-16", "utf-16-le", "utf-16-be", "utf-32", "utf-32-le", "utf-32-be"):
        yield builder.app(f"body in {codec}", text.encode(codec))
    accented = json.dumps(
        _replaced(valid_app_action("latin-1"), ("appID",), "café"), ensure_ascii=False
    )
    yield builder.app("body in latin-1", accented.encode("latin-1"))
    yield builder.app("body in cp1252", accented.encode("cp1252"))
    bom = b"\xef\xbb\xbf"
    yield builder.app("two UTF-8 byte order marks", bom + bom + text.encode())
    yield builder.app("UTF-16 byte order mark before UTF-8", b"\xff\xfe" + text.encode())
    yield builder.app("UTF-8 byte order mark at the end", text.encode() + bom)
    yield builder.app("UTF-8 byte order mark inside", text.encode()[:1] + bom + text.encode()[1:])


def _duplicate_keys(builder: RequestBuilder, random: Random) -> Iterator[Malformed]:
    # The last copy of a key is the one that counts: each of these ends on a wrong one.
    body = _dumps(valid_app_action("duplicate"))[:-1]
    for label, member in (
        ("hookKind", b'"hookKind": 5'),
        ("appID", b'"appID": null'),
        ("idempotencyKey", b'"idempotencyKey": ""'),
        ("params", b'"params": []'),
        ("timestamp", b'"timestamp": "never"'),
    ):
        yield builder.app(f"duplicate {label}, the last one wrong", body + b", " + member + b"}")
    param = b'{"type": "string", "value": "Ada", "value": 5}'
    yield builder.app(
        "duplicate param value, the last one wrong",
        _spliced(valid_app_action("duplicate"), ("params", "name"), param),
    )
    kind = b'{"type": "string", "value": "Ada", "type": "number"}'
    yield builder.app(
        "duplicate param type, the last one wrong",
        _spliced(valid_app_action("duplicate"), ("params", "name"), kind),
    )


_NOT_JSON_VALUES = {
    "NaN": b"NaN",
    "Infinity": b"Infinity",
    "-Infinity": b"-Infinity",
    "+Infinity": b"+Infinity",
    "nan": b"nan",
    "inf": b"inf",
    "+1": b"+1",
    "01": b"01",
    ".5": b".5",
    "1.": b"1.",
    "0x10": b"0x10",
    "1e": b"1e",
    "-": b"-",
    "single quotes": b"'12'",
    "undefined": b"undefined",
    "comment": b"/* twelve */ 12",
    "unterminated string": b'"12',
    "raw newline in a string": b'"1\n2"',
    "raw NUL in a string": b'"1\x002"',
    "bad escape": b'"\\x41"',
    "short unicode escape": b'"\\u12"',
    "lone surrogate escape": b'"\\ud800"',
}


def _not_quite_json(builder: RequestBuilder, random: Random) -> Iterator[Malformed]:
    base = valid_app_action("not-json")
    for label, raw in _NOT_JSON_VALUES.items():
        yield builder.app(f"score {label}", _spliced(base, ("params", "score", "value"), raw))
    for label in ("NaN", "Infinity", "-Infinity"):
        raw = _NOT_JSON_VALUES[label]
        yield builder.app(f"appID {label}", _spliced(base, ("appID",), raw))
    text = _dumps(base)
    yield builder.app("trailing comma", text[:-1] + b",}")
    yield builder.app("trailing garbage", text + b" {}")
    yield builder.app("two bodies", text + text)
    yield builder.app("unquoted keys", text.replace(b'"hookKind"', b"hookKind"))
    yield builder.app("single-quoted keys", text.replace(b'"appID"', b"'appID'"))
    yield builder.app("line comment", b"// Glide\n" + text)
    yield builder.app("trailing NUL", text + b"\x00")


def _missing_bodies(builder: RequestBuilder, random: Random) -> Iterator[Malformed]:
    yield builder.app("no body", b"")
    yield builder.app("no body, no Content-Length", b"", headers={b"Content-Length": None})
    for label, body in (
        ("null", b"null"),
        ("empty array", b"[]"),
        ("empty string", b'""'),
        ("zero", b"0"),
        ("true", b"true"),
        ("empty object", b"{}"),
        ("space", b" "),
        ("newline", b"\n"),
        ("NUL", b"\x00"),
        ("open brace", b"{"),
        ("array of the body", b"[" + _dumps(valid_app_action("array")) + b"]"),
        ("body as a JSON string", _dumps(json.dumps(valid_app_action("string")))),
    ):
        yield builder.app(f"body {label}", body)


def _wrong_methods(builder: RequestBuilder, random: Random) -> Iterator[Malformed]:
    body = _dumps(valid_app_action("method"))
    for method in (b"GET", b"PUT", b"PATCH", b"DELETE", b"OPTIONS", b"TRACE", b"HEAD"):
        yield builder.app(
            f"method {method.decode()}", body, statuses=frozenset({405}), method=method
        )
    # Valid tokens, but not methods aiohttp's parser knows: it may refuse them itself.
    for method in (b"FOO", b"post"):
        wire = builder.wire(body, method=method)
        yield builder.protocol(f"method {method.decode()}", wire, frozenset({400, 405}))
    for label, method in (("with a NUL", b"PO\x00ST"), ("non-ASCII", "PÖST".encode())):
        yield builder.protocol(f"method {label}", builder.wire(body, method=method))
    yield builder.protocol(
        "method CONNECT",
        builder.wire(b"{}", method=b"CONNECT", path=builder.target.host.encode() + b":80"),
        statuses=frozenset({400, 404, 405}),
    )


def _oversized_headers(builder: RequestBuilder, random: Random) -> Iterator[Malformed]:
    too_long = b"a" * OVERSIZED_HEADER_BYTES
    refused = frozenset({400, 431})
    for name in (b"X-Padding", b"Authorization", b"Content-Type", b"Cookie"):
        wire = builder.wire(b"{}", headers={name: too_long})
        yield builder.protocol(f"{OVERSIZED_HEADER_BYTES}-byte {name.decode()}", wire, refused)
    wire = builder.wire(b"{}", extra=(too_long + b": 1",))
    yield builder.protocol(f"{OVERSIZED_HEADER_BYTES}-byte header name", wire, refused)
    wire = builder.wire(b"{}", path=builder.path + b"?" + too_long)
    yield builder.protocol(f"{OVERSIZED_HEADER_BYTES}-byte query", wire, frozenset({400, 414}))
    many = tuple(b"X-Header-%d: %d" % (index, index) for index in range(1000))
    yield builder.protocol("1000 headers", builder.wire(b"{}", extra=many), refused)
    long_secret = b"Basic " + b"s" * LONG_HEADER_BYTES
    yield builder.app(
        f"{LONG_HEADER_BYTES}-byte Authorization",
        _dumps(valid_app_action("long-auth")),
        statuses=frozenset({401}),
        headers={b"Authorization": long_secret},
    )


def _content_lengths(builder: RequestBuilder, random: Random) -> Iterator[Malformed]:
    for label, length in (("10**12", 10**12), ("2**63 - 1", 2**63 - 1), ("cap + 1", None)):
        declared = str(MAX_BODY_BYTES + 1 if length is None else length).encode()
        wire = builder.wire(b"{}", headers={b"Content-Length": declared})
        yield builder.protocol(f"Content-Length {label}", wire, frozenset({413}))
    unreadable = {
        "2**64 + 1": str(2**64 + 1).encode(),
        "10**100": str(10**100).encode(),
        "-1": b"-1",
        "+2": b"+2",
        "0x2": b"0x2",
        "2abc": b"2abc",
        "2.0": b"2.0",
        "a list": b"2, 2",
        "empty": b"",
    }
    for label, value in unreadable.items():
        wire = builder.wire(b"{}", headers={b"Content-Length": value})
        yield builder.protocol(f"Content-Length {label}", wire)
    yield builder.protocol(
        "two different Content-Lengths", builder.wire(b"{}", extra=(b"Content-Length: 3",))
    )
    yield builder.protocol(
        "Content-Length and chunked",
        builder.wire(b"2\r\n{}\r\n0\r\n\r\n", extra=(b"Transfer-Encoding: chunked",)),
    )
    body = _dumps(valid_app_action("short-length"))
    # What follows the declared length reads as a second request, after `Connection: close`.
    yield builder.protocol(
        "Content-Length shorter than the body",
        builder.wire(body, headers={b"Content-Length": str(len(body) // 2).encode()}),
    )
    # The server waits for the rest of the body; the client gives up instead.
    yield builder.protocol(
        "Content-Length longer than the body",
        builder.wire(body, headers={b"Content-Length": str(len(body) * 2).encode()}),
        frozenset({400, 408}),
        half_close=True,
    )
    yield builder.app(
        "body one byte over the cap",
        b" " * (MAX_BODY_BYTES + 1),
        statuses=frozenset({413}),
    )


def _chunked(chunks: list[bytes], trailer: bytes = b"") -> bytes:
    framed = b"".join(b"%x\r\n%s\r\n" % (len(chunk), chunk) for chunk in chunks)
    return framed + b"0\r\n" + trailer + b"\r\n"


def _chunked_bodies(builder: RequestBuilder, random: Random) -> Iterator[Malformed]:
    chunked_headers: dict[bytes, bytes | None] = {
        b"Content-Length": None,
        b"Transfer-Encoding": b"chunked",
    }
    over_cap = b" " * (MAX_BODY_BYTES + 1)
    for label, chunks in (
        ("one chunk over the cap", [over_cap]),
        ("1 KiB chunks over the cap", [b" " * 1024] * (MAX_BODY_BYTES // 1024 + 1)),
        ("3 chunks of 64 KiB", [b" " * MAX_BODY_BYTES] * 3),
    ):
        yield builder.app(label, _chunked(chunks), frozenset({413}), headers=chunked_headers)
    yield builder.app("empty chunked body", _chunked([]), headers=chunked_headers)
    text = _dumps(valid_app_action("chunked"))[:-1]
    yield builder.app(
        "chunked, truncated JSON in 7-byte chunks",
        _chunked([text[index : index + 7] for index in range(0, len(text), 7)]),
        headers=chunked_headers,
    )
    yield builder.app(
        "chunked wrong shape with a trailer",
        _chunked([b'{"hookKind": 1}'], trailer=b"X-Trailer: 1\r\n"),
        headers=chunked_headers,
    )
    for label, framing in (
        ("chunk size not hex", b"zz\r\n{}\r\n0\r\n\r\n"),
        ("chunk size 2**64", b"10000000000000000\r\n{}\r\n0\r\n\r\n"),
        ("chunk size negative", b"-2\r\n{}\r\n0\r\n\r\n"),
    ):
        wire = builder.wire(framing, headers=chunked_headers)
        yield builder.protocol(label, wire, frozenset({400, 413}))
    for label, encoding in (
        ("chunked twice", b"chunked, chunked"),
        ("gzip before chunked as transfer coding", b"gzip, chunked"),
        ("identity", b"identity"),
        ("unknown transfer coding", b"foo"),
    ):
        wire = builder.wire(
            _chunked([b"{}"]), headers={**chunked_headers, b"Transfer-Encoding": encoding}
        )
        yield builder.protocol(label, wire, frozenset({400, 501}))
    expect = {**chunked_headers, b"Expect": b"100-continue"}
    yield builder.protocol(
        "chunks over the cap arriving after 100 Continue",
        builder.wire(headers=expect),
        frozenset({413}),
        after_continue=_chunked([b" " * 1024] * (MAX_BODY_BYTES // 1024 + 1)),
    )


_WRONG_CONTENT_TYPES = (
    b"text/plain",
    b"text/json",
    b"text/html; charset=utf-8",
    b"application/x-www-form-urlencoded",
    b"multipart/form-data; boundary=glide",
    b"application/xml",
    b"application/octet-stream",
    b"application/jsonp",
    b"application/json5",
    b"application/javascript",
    b"*/*",
    b"application/*",
    b"application",
    b"application/",
    b"/json",
    b"json",
    b"",
    b"application/json; charset=latin-1",
    b"application/json; charset=iso-8859-1",
    b'application/json; charset="utf-16"',
    b"application/json; charset=utf-32",
    b"application/json; charset=ascii",
    b"APPLICATION/JSON; CHARSET=UTF-16LE",
)


def _content_types(builder: RequestBuilder, random: Random) -> Iterator[Malformed]:
    body = _dumps(valid_app_action("content-type"))
    unsupported = frozenset({415})
    yield builder.app("no Content-Type", body, unsupported, headers={b"Content-Type": None})
    for content_type in _WRONG_CONTENT_TYPES:
        label = content_type.decode() or "empty"
        yield builder.app(
            f"Content-Type {label}", body, unsupported, headers={b"Content-Type": content_type}
        )
    # Read leniently or refused: either way the body is wrong, so nothing may be stored.
    for content_type in (
        b"application/json; charset=",
        b'application/json; charset="',
        b"application/json;;;",
        b"application/json; charset",
        b"application/json; =utf-8",
        b";application/json",
        b"application/json\x0b",
    ):
        yield builder.protocol(
            f"garbled Content-Type {content_type!r}",
            builder.wire(b"{}", headers={b"Content-Type": content_type}),
            frozenset({400, 415}),
        )
    yield builder.protocol(
        "two Content-Types",
        builder.wire(b"{}", extra=(b"Content-Type: text/plain",)),
        frozenset({400, 415}),
    )


def _mangled_authorization(builder: RequestBuilder, random: Random) -> Iterator[Malformed]:
    secret = builder.target.secret.encode()
    b64 = base64.b64encode
    forms: dict[str, bytes | None] = {
        "missing": None,
        "empty": b"",
        "Basic alone": b"Basic",
        "Basic and a space": b"Basic ",
        "Bearer alone": b"Bearer",
        "scheme glued to the secret": b"Basic" + secret,
        "colon after the scheme": b"Basic:" + secret,
        "tab after the scheme": b"Basic\t" + secret,
        "unknown scheme": b"Token " + secret,
        "Digest": b"Digest " + secret,
        "the secret alone": secret,
        "Bearer with a second word": b"Bearer " + secret + b" extra",
        "secret in upper case": b"Basic " + secret.upper(),
        "secret reversed": b"Basic " + secret[::-1],
        "secret less its last character": b"Basic " + secret[:-1],
        "secret and one more character": b"Basic " + secret + b"x",
        "secret twice": b"Basic " + secret + secret,
        "RFC 7617 with no colon": b"Basic " + b64(secret),
        "RFC 7617 with the secret as user name": b"Basic " + b64(secret + b":"),
        "RFC 7617 with a wrong password": b"Basic " + b64(b"glide:" + secret[:-1]),
        "RFC 7617 in UTF-16": b"Basic " + b64(("glide:" + secret.decode()).encode("utf-16")),
        "RFC 7617 not UTF-8": b"Basic " + b64(b"glide:\xff" + secret),
        "base64 of garbage": b"Basic " + b"!!!!" * 8,
        "padding only": b"Basic " + b"=" * 24,
        "Latin-1 bytes": b"Basic \xff\xfe" + secret,
        "UTF-8 accent": b"Basic " + secret + "é".encode(),
        "right-to-left mark": b"Basic \xe2\x80\x8f" + secret,
        "zero-width space": b"Basic " + secret + b"\xe2\x80\x8b",
        "Bearer of the hook id": b"Bearer " + builder.target.hook_id.encode(),
    }
    for index in sorted(random.sample(range(len(secret)), 8)):
        mutated = bytearray(secret)
        mutated[index] = random.choice(
            [byte for byte in b"abcdefghijklmnopqrstuvwxyz0123456789-_" if byte != secret[index]]
        )
        forms[f"secret with character {index} changed"] = b"Basic " + bytes(mutated)
    body = _dumps(valid_app_action("auth"))
    unauthorized = frozenset({401})
    for label, authorization in forms.items():
        yield builder.app(
            f"Authorization {label}", body, unauthorized, headers={b"Authorization": authorization}
        )
    # The secret is checked first: a wrong one is refused whatever else is wrong.
    for label, headers in (
        ("and wrong Content-Type", {b"Content-Type": b"text/plain"}),
        ("and no Content-Type", {b"Content-Type": None}),
    ):
        yield builder.app(
            f"wrong secret {label}",
            body,
            unauthorized,
            headers={b"Authorization": b"Bearer wrong", **headers},
        )
    yield builder.app(
        "wrong secret and a declared length over the cap",
        b"{}",
        unauthorized,
        headers={b"Authorization": b"Bearer wrong", b"Content-Length": str(10**12).encode()},
    )
    yield builder.protocol(
        "Authorization with a NUL",
        builder.wire(body, headers={b"Authorization": b"Basic \x00" + secret}),
        frozenset({400, 401}),
    )


def _paths(builder: RequestBuilder, random: Random) -> Iterator[Malformed]:
    body = _dumps(valid_app_action("path"))
    unknown = frozenset({404})
    ids = {
        "random": bytes(
            random.choice(b"abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_")
            for _ in range(22)
        ),
        "the real id in upper case": builder.target.hook_id.upper().encode(),
        "the real id less a character": builder.target.hook_id[:-1].encode(),
        "4000 characters": b"h" * 4000,
        "encoded NUL": b"%00",
        "encoded invalid UTF-8": b"%ff%fe",
        "encoded dot segments": b"..%2F..%2Fopenapi.json",
        "encoded right-to-left override": b"%E2%80%AE" + builder.target.hook_id.encode(),
        "encoded space": builder.target.hook_id.encode() + b"%20",
        "SQL": b"x'%20OR%20'1'='1",
    }
    for label, hook_id in ids.items():
        path = HOOK_PATH_PREFIX.encode() + hook_id
        yield builder.app(f"hook id {label}", body, unknown, path=path)
    # Not the endpoint's route at all: aiohttp's router answers these.
    for label, path in (
        ("trailing slash", builder.path + b"/"),
        ("no hook id", HOOK_PATH_PREFIX.encode()),
        ("a sub-path", builder.path + b"/extra"),
        ("doubled slash", b"/" + builder.path),
        ("asterisk form", b"*"),
    ):
        wire = builder.wire(b"{}", path=path)
        yield builder.protocol(f"path {label}", wire, frozenset({400, 404, 405}))


def _mangled_request_lines(builder: RequestBuilder, random: Random) -> Iterator[Malformed]:
    body = b"{}"
    for label, version in (
        ("HTTP/1.2", b"HTTP/1.2"),
        ("HTTP/9.9", b"HTTP/9.9"),
        ("HTTP/1", b"HTTP/1"),
        ("http/1.1 in lower case", b"http/1.1"),
        ("HTTPS/1.1", b"HTTPS/1.1"),
        ("a word after the version", b"HTTP/1.1 please"),
    ):
        yield builder.protocol(f"version {label}", builder.wire(body, version=version))
    yield builder.protocol(
        "HTTP/0.9 request", b"GET " + builder.path + b"\r\n\r\n", frozenset({400, 405})
    )
    yield builder.protocol("no path", b"POST HTTP/1.1\r\nHost: x\r\nContent-Length: 2\r\n\r\n{}")
    yield builder.protocol("path with a raw space", builder.wire(body, path=builder.path + b" x"))
    yield builder.protocol(
        "path with raw non-ASCII", builder.wire(body, path=builder.path + "é".encode())
    )
    yield builder.protocol(
        "request line ending in a bare LF",
        builder.wire(body).replace(b"HTTP/1.1\r\n", b"HTTP/1.1\n", 1),
        frozenset({400}),
    )


def _mangled_header_lines(builder: RequestBuilder, random: Random) -> Iterator[Malformed]:
    body = b"{}"
    for label, line in (
        ("without a colon", b"X-Glide"),
        ("with a space before the colon", b"X-Glide : 1"),
        ("with an empty name", b": 1"),
        ("with a non-token name", b"X Glide: 1"),
        ("folded over two lines", b"X-Glide: a\r\n b"),
        ("with a NUL in its value", b"X-Glide: a\x00b"),
        ("with a bare CR in its value", b"X-Glide: a\rb"),
        ("with a DEL in its name", b"X-Gl\x7fide: 1"),
    ):
        yield builder.protocol(f"header {label}", builder.wire(body, extra=(line,)))
    yield builder.protocol("no Host", builder.wire(body, headers={b"Host": None}), frozenset({400}))
    yield builder.protocol(
        "two Hosts", builder.wire(body, extra=(b"Host: evil.example",)), frozenset({400})
    )


def _garbage(builder: RequestBuilder, random: Random) -> Iterator[Malformed]:
    for index in range(20):
        noise = bytes(random.randrange(256) for _ in range(random.randrange(1, 200)))
        # The blank line makes it a complete (if senseless) message head, which must be answered.
        yield builder.protocol(
            f"random bytes #{index}", noise.replace(b"\r\n\r\n", b"") + b"\r\n\r\n"
        )
    yield builder.protocol("TLS ClientHello", bytes.fromhex("160301020001 0001fc0303") + bytes(40))
    yield builder.protocol("HTTP/2 preface", b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n")
    yield builder.protocol("SSH banner", b"SSH-2.0-OpenSSH_9.6\r\n\r\n")
    yield builder.protocol("NUL bytes", bytes(64) + b"\r\n\r\n")


def _content_encodings(builder: RequestBuilder, random: Random) -> Iterator[Malformed]:
    bomb = gzip.compress(b" " * (16 * 1024 * 1024), mtime=0)
    yield builder.app(
        "gzip bomb (16 MiB of spaces)",
        bomb,
        frozenset({413}),
        headers={b"Content-Encoding": b"gzip"},
    )
    yield builder.app(
        "deflate bomb (16 MiB of spaces)",
        zlib.compress(b" " * (16 * 1024 * 1024)),
        frozenset({413}),
        headers={b"Content-Encoding": b"deflate"},
    )
    truncated = _dumps(valid_app_action("gzip"))[:-3]
    yield builder.app(
        "gzip of truncated JSON",
        gzip.compress(truncated, mtime=0),
        headers={b"Content-Encoding": b"gzip"},
    )
    yield builder.app(
        "unknown Content-Encoding", truncated, headers={b"Content-Encoding": b"x-glide"}
    )
    yield builder.app(
        "identity Content-Encoding", truncated, headers={b"Content-Encoding": b"identity"}
    )
