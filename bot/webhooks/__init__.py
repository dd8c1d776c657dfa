"""Glide webhooks: the endpoint, its store, the announcements and the API-column answers."""

from bot.webhooks.announcement import Announcement, build_announcement
from bot.webhooks.api_column import (
    ApiColumnAnswerer,
    ApiColumnBusy,
    ApiColumnCoordinator,
    ApiColumnRunFailed,
    CreatorsApiColumns,
    NoGlifBound,
    RunGlif,
    RunGlifAs,
)
from bot.webhooks.delivery import (
    AnnouncementSender,
    DeliveryWorker,
    PermanentDeliveryError,
    TransientDeliveryError,
)
from bot.webhooks.intake import HookIntake, add_hook_routes
from bot.webhooks.service import Webhooks
from bot.webhooks.store import Hook, HookAdminError, HookStore, HookSummary, hook_url

__all__ = [
    "Announcement",
    "AnnouncementSender",
    "ApiColumnAnswerer",
    "ApiColumnBusy",
    "ApiColumnCoordinator",
    "ApiColumnRunFailed",
    "CreatorsApiColumns",
    "DeliveryWorker",
    "Hook",
    "HookAdminError",
    "HookIntake",
    "HookStore",
    "HookSummary",
    "NoGlifBound",
    "PermanentDeliveryError",
    "RunGlif",
    "RunGlifAs",
    "TransientDeliveryError",
    "Webhooks",
    "add_hook_routes",
    "build_announcement",
    "hook_url",
]
