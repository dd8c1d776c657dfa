"""From decoded JSON payloads to models, raising only ``GlifError`` subclasses."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, Literal, TypeVar

from pydantic import BaseModel, ValidationError

from bot.glif.errors import GlifNotFound, GlifUnavailable
from bot.glif.models import Glif, Me, Run, RunResult, Sphere, User, valid_items

_log = logging.getLogger(__name__)

Model = TypeVar("Model", bound=BaseModel)
SphereLookup = tuple[Literal["slug", "id"], str]


def parse_glifs(payload: Any) -> list[Glif]:
    return _list_of(Glif, payload, "glifs")


def parse_glif(payload: Any, *, glif_id: str) -> Glif:
    """``/glifs?id=`` answers with an array of one; an object is accepted too."""
    return _one_of(Glif, payload, lambda glif: glif.id == glif_id, "glif")


def parse_runs(payload: Any) -> list[Run]:
    return _list_of(Run, payload, "runs")


def parse_run(payload: Any, *, run_id: str) -> Run:
    return _one_of(Run, payload, lambda run: run.id == run_id, "run")


def parse_user(payload: Any, *, username: str) -> User:
    """``/user`` is undocumented: an object or an array holding the user are both accepted."""
    wanted = username.casefold()
    user = _one_of(User, payload, lambda user: user.username.casefold() in {wanted, ""}, "user")
    if not (user.id or user.username):
        raise GlifUnavailable(detail="user without id or username")
    return user


def parse_me(payload: Any) -> Me:
    return _validated(Me, payload, "me")


def parse_spheres(payload: Any) -> list[Sphere]:
    return _list_of(Sphere, payload, "spheres")


def parse_sphere(payload: Any, *, lookup: SphereLookup) -> Sphere:
    """A sphere with its glifs, from any of the shapes Glif might use.

    The documented ``includes=spells.data`` suggests an object holding its glifs under ``spells``;
    ``glifs`` and a bare array of glifs are accepted as well. The slug or id that was asked for
    fills in whatever identity the answer leaves out.
    """
    key, value = lookup
    if _is_nothing(payload):
        raise GlifNotFound(detail=f"no sphere for {key}")
    if isinstance(payload, dict):
        return _validated(Sphere, {key: value, **payload}, "sphere")
    if not isinstance(payload, list):
        raise GlifUnavailable(detail=f"sphere answer is a {type(payload).__name__}")
    spheres = [item for item in payload if _looks_like_sphere(item)]
    if spheres:
        return _one_of(Sphere, spheres, lambda sphere: getattr(sphere, key) == value, "sphere")
    sphere = _validated(Sphere, {key: value, "glifs": payload}, "sphere")
    if not sphere.glifs:
        raise GlifUnavailable(detail="sphere glifs could not be read")
    return sphere


def parse_run_result(payload: Any) -> RunResult:
    if not isinstance(payload, dict) or not ({"output", "outputFull"} & payload.keys()):
        raise GlifUnavailable(detail="run answer without output")
    return _validated(RunResult, payload, "run result")


def _validated(model: type[Model], payload: Any, what: str) -> Model:
    try:
        return model.model_validate(payload)
    except ValidationError as error:
        raise GlifUnavailable(detail=f"unreadable {what}: {error.error_count()} problems") from None


def _list_of(model: type[Model], payload: Any, what: str) -> list[Model]:
    if not isinstance(payload, list):
        raise GlifUnavailable(detail=f"expected a list of {what}, got {type(payload).__name__}")
    items = valid_items(model, payload)
    if len(items) < len(payload):
        _log.warning(
            "Skipped %d of %d unreadable %s from Glif",
            len(payload) - len(items),
            len(payload),
            what,
        )
    if payload and not items:
        raise GlifUnavailable(detail=f"none of the {what} could be read")
    return items


def _one_of(
    model: type[Model], payload: Any, is_wanted: Callable[[Model], bool], what: str
) -> Model:
    if _is_nothing(payload):
        raise GlifNotFound(detail=f"no {what}")
    if not isinstance(payload, list):
        return _validated(model, payload, what)
    items = valid_items(model, payload)
    if not items:
        raise GlifUnavailable(detail=f"unreadable {what}")
    wanted = next((item for item in items if is_wanted(item)), None)
    if wanted is None:
        raise GlifNotFound(detail=f"answer holds no matching {what}")
    return wanted


def _is_nothing(payload: Any) -> bool:
    return payload is None or payload in ([], {})


def _looks_like_sphere(item: Any) -> bool:
    return isinstance(item, dict) and bool({"slug", "spells", "glifs"} & item.keys())
