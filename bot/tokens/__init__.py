"""Members' Glif tokens: stored encrypted, chosen per run, re-keyed, and forgotten on request."""

from bot.tokens.forget import ForgetStep, MemberForgetter
from bot.tokens.rotation import KeyCheckReport, KeysDoNotDecrypt, RotationReport
from bot.tokens.vault import NoTokenAvailable, RunToken, StoredTokenInfo, TokenSource, TokenVault

__all__ = [
    "ForgetStep",
    "KeyCheckReport",
    "KeysDoNotDecrypt",
    "MemberForgetter",
    "NoTokenAvailable",
    "RotationReport",
    "RunToken",
    "StoredTokenInfo",
    "TokenSource",
    "TokenVault",
]
