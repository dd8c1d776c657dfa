"""`GET /openapi.json`: the HTTP surface of the bot as OpenAPI 3.0, answer by answer.

It is fuzzed against the running endpoint, so it states what the code does, limits included.
"""

from __future__ import annotations

from typing import Any

from aiohttp import web

from bot.webhooks.models import MAX_APP_ID_LENGTH, MAX_KEY_LENGTH

_JSON = "application/json"


def _ref(name: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{name}"}


def _error(description: str, headers: dict[str, Any] | None = None) -> dict[str, Any]:
    answer: dict[str, Any] = {
        "description": description,
        "content": {_JSON: {"schema": _ref("Error")}},
    }
    if headers:
        answer["headers"] = headers
    return answer


_RETRY_AFTER = {
    "Retry-After": {
        "description": "Seconds to wait before trying again.",
        "required": True,
        "schema": {"type": "integer", "minimum": 1},
    }
}
_WWW_AUTHENTICATE = {
    "WWW-Authenticate": {
        "description": 'Sent twice: `Basic realm="glifbot"` and `Bearer realm="glifbot"`.',
        "required": True,
        "schema": {"type": "string"},
    }
}


def _param_schema(kind: str, value: dict[str, Any]) -> dict[str, Any]:
    return {
        "type": "object",
        "required": ["type", "value"],
        "properties": {
            "type": {"type": "string", "enum": [kind]},
            "value": {**value, "nullable": True, "description": "null counts as a missing param"},
        },
    }


def _body_schema(kind: str, *, key_required: bool) -> dict[str, Any]:
    key: dict[str, Any] = {"type": "string", "minLength": 1, "maxLength": MAX_KEY_LENGTH}
    if not key_required:
        key["nullable"] = True
    return {
        "type": "object",
        "required": ["hookKind", "appID", *(["idempotencyKey"] if key_required else [])],
        "properties": {
            "hookKind": {"type": "string", "enum": [kind]},
            "appID": {"type": "string", "maxLength": MAX_APP_ID_LENGTH},
            "idempotencyKey": key,
            "timestamp": {"type": "string", "format": "date-time", "nullable": True},
            "params": {
                "type": "object",
                "description": "Named params; any may be missing.",
                "additionalProperties": _ref("Param"),
            },
        },
        "description": "Unknown properties are ignored.",
    }


OPENAPI_DOCUMENT: dict[str, Any] = {
    "openapi": "3.0.3",
    "info": {
        "title": "glifbot webhook endpoint",
        "version": "1",
        "description": (
            "Receives Glide webhooks: an app-action is stored and announced once in the hook's "
            "Discord channel; an api-column is answered with the output of the hook's glif."
        ),
    },
    "paths": {
        "/hooks/glide/{hook_id}": {
            "post": {
                "operationId": "receiveGlideHook",
                "summary": "Receive one Glide webhook call",
                "description": (
                    "Checks run in this order: unknown hook (404), secret (401, before the body "
                    "is read), content type (415), size of at most 65536 bytes (413), body (400)."
                ),
                "parameters": [
                    {
                        "name": "hook_id",
                        "in": "path",
                        "required": True,
                        "schema": {"type": "string", "pattern": "^[A-Za-z0-9_-]+$"},
                    }
                ],
                "security": [{"glideSecret": []}, {"basicAuth": []}, {"bearerAuth": []}],
                "requestBody": {
                    "required": True,
                    "content": {_JSON: {"schema": _ref("GlideBody")}},
                },
                "responses": {
                    "200": {
                        "description": (
                            "app-action: stored (`accepted`) or already stored (`duplicate`); "
                            "api-column: the glif's output."
                        ),
                        "content": {
                            _JSON: {
                                "schema": {"oneOf": [_ref("StoreStatus"), _ref("ApiColumnAnswer")]}
                            }
                        },
                    },
                    "400": _error("Not UTF-8, not JSON, or not Glide's shape; the error says."),
                    "401": _error("Missing or wrong secret.", _WWW_AUTHENTICATE),
                    "404": _error("No hook has this id (or it was deleted)."),
                    "408": _error("The body did not arrive within 10 s."),
                    "413": _error("The body is over 64 KiB."),
                    "415": _error("The Content-Type is not JSON, or not UTF-8."),
                    "422": _error("api-column on a hook that has no glif."),
                    "502": _error("api-column: the glif run failed; the error is Glif's text."),
                    "503": _error(
                        "The event could not be stored, or an api-column is over the hook's "
                        "run cap or past the deadline: try again later.",
                        _RETRY_AFTER,
                    ),
                },
            }
        },
        "/healthz": {
            "get": {
                "operationId": "health",
                "summary": "Whether the database and the Discord connection work",
                "security": [],
                "responses": {
                    "200": {
                        "description": "The database works.",
                        "content": {_JSON: {"schema": _ref("Health")}},
                    },
                    "503": {
                        "description": "The database is unusable.",
                        "content": {_JSON: {"schema": _ref("Health")}},
                    },
                },
            }
        },
        "/metrics": {
            "get": {
                "operationId": "metrics",
                "summary": "Prometheus metrics",
                "security": [],
                "responses": {
                    "200": {
                        "description": "Prometheus text exposition format.",
                        "content": {"text/plain": {"schema": {"type": "string"}}},
                    }
                },
            }
        },
        "/openapi.json": {
            "get": {
                "operationId": "openapi",
                "summary": "This document",
                "security": [],
                "responses": {
                    "200": {
                        "description": "OpenAPI 3.0 document.",
                        "content": {_JSON: {"schema": {"type": "object"}}},
                    }
                },
            }
        },
    },
    "components": {
        "securitySchemes": {
            "glideSecret": {
                "type": "apiKey",
                "in": "header",
                "name": "Authorization",
                "description": "`Basic <secret>`, the secret unencoded, as Glide sends it.",
            },
            "basicAuth": {
                "type": "http",
                "scheme": "basic",
                "description": "RFC 7617: any user name, the hook's secret as the password.",
            },
            "bearerAuth": {"type": "http", "scheme": "bearer", "description": "The secret."},
        },
        "schemas": {
            "GlideBody": {
                "oneOf": [_ref("AppAction"), _ref("ApiColumn")],
                "discriminator": {
                    "propertyName": "hookKind",
                    "mapping": {
                        "app-action": "#/components/schemas/AppAction",
                        "api-column": "#/components/schemas/ApiColumn",
                    },
                },
            },
            "AppAction": _body_schema("app-action", key_required=True),
            "ApiColumn": _body_schema("api-column", key_required=False),
            "Param": {
                "oneOf": [
                    _ref("StringParam"),
                    _ref("NumberParam"),
                    _ref("BooleanParam"),
                    _ref("DateTimeParam"),
                ],
                "discriminator": {
                    "propertyName": "type",
                    "mapping": {
                        "string": "#/components/schemas/StringParam",
                        "number": "#/components/schemas/NumberParam",
                        "boolean": "#/components/schemas/BooleanParam",
                        "date-time": "#/components/schemas/DateTimeParam",
                    },
                },
            },
            "StringParam": _param_schema("string", {"type": "string"}),
            "NumberParam": _param_schema("number", {"type": "number"}),
            "BooleanParam": _param_schema("boolean", {"type": "boolean"}),
            "DateTimeParam": _param_schema("date-time", {"type": "string", "format": "date-time"}),
            "StoreStatus": {
                "type": "object",
                "required": ["status"],
                "properties": {"status": {"type": "string", "enum": ["accepted", "duplicate"]}},
            },
            "ApiColumnAnswer": {
                "type": "object",
                "required": ["type", "value"],
                "properties": {
                    "type": {"type": "string", "enum": ["string"]},
                    "value": {"type": "string"},
                },
            },
            "Error": {
                "type": "object",
                "required": ["error"],
                "properties": {"error": {"type": "string"}},
            },
            "Health": {
                "type": "object",
                "required": ["status", "database", "discord"],
                "properties": {
                    "status": {"type": "string", "enum": ["ok", "unavailable"]},
                    "database": {"type": "string", "enum": ["ok", "unavailable"]},
                    "discord": {"type": "string"},
                },
            },
        },
    },
}


async def openapi_document(_: web.Request) -> web.Response:
    return web.json_response(OPENAPI_DOCUMENT)
