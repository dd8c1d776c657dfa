"""Glif: models, input forms, references and the API client. Knows nothing of Discord."""

from bot.glif.client import GlifClient, OnCall, Visibility
from bot.glif.errors import (
    GlifError,
    GlifInvalidToken,
    GlifNotFound,
    GlifRateLimited,
    GlifRunFailed,
    GlifTimedOut,
    GlifUnavailable,
)
from bot.glif.forms import InputField, InputKind, input_fields
from bot.glif.models import (
    GLIF_WEB_URL,
    CreditBalance,
    Glif,
    Me,
    OutputFull,
    Run,
    RunResult,
    Sphere,
    SphereSummary,
    User,
)
from bot.glif.outputs import OutputKind, parse_json_text, sniff_kind
from bot.glif.references import (
    InvalidGlifReference,
    InvalidReference,
    InvalidSphereReference,
    parse_glif_reference,
    parse_sphere_reference,
)

__all__ = [
    "GLIF_WEB_URL",
    "CreditBalance",
    "Glif",
    "GlifClient",
    "GlifError",
    "GlifInvalidToken",
    "GlifNotFound",
    "GlifRateLimited",
    "GlifRunFailed",
    "GlifTimedOut",
    "GlifUnavailable",
    "InputField",
    "InputKind",
    "InvalidGlifReference",
    "InvalidReference",
    "InvalidSphereReference",
    "Me",
    "OnCall",
    "OutputFull",
    "OutputKind",
    "Run",
    "RunResult",
    "Sphere",
    "SphereSummary",
    "User",
    "Visibility",
    "input_fields",
    "parse_glif_reference",
    "parse_json_text",
    "parse_sphere_reference",
    "sniff_kind",
]
