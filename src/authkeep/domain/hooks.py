"""Webhook rules: the events, which Management API route raises which (Logto's
`managementApiHooksRegistration`), payloads in Logto's key order, and the signature."""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import UTC, datetime
from typing import Any

import orjson

from authkeep import errors

INTERACTION_EVENTS = ("PostRegister", "PostSignIn", "PostSignInAdaptiveMfaTriggered", "PostResetPassword")
EXCEPTION_EVENTS = ("Identifier.Lockout", "Message.RateLimited", "Grant.LimitExceeded")
DATA_EVENTS = (
    "User.Created", "User.Deleted", "User.Data.Updated", "User.SuspensionStatus.Updated",
    "Role.Created", "Role.Deleted", "Role.Data.Updated", "Role.Scopes.Updated",
    "Scope.Created", "Scope.Deleted", "Scope.Data.Updated",
    "Organization.Created", "Organization.Deleted", "Organization.Data.Updated", "Organization.Membership.Updated",
    "OrganizationRole.Created", "OrganizationRole.Deleted", "OrganizationRole.Data.Updated",
    "OrganizationRole.Scopes.Updated",
    "OrganizationScope.Created", "OrganizationScope.Deleted", "OrganizationScope.Data.Updated",
)  # fmt: skip
EVENTS = INTERACTION_EVENTS[:4] + DATA_EVENTS + EXCEPTION_EVENTS
USER_AGENT = "Logto (https://logto.io/)"
SIGNATURE_HEADER = "logto-signature-sha-256"

# Logto's route templates (without /api). `User.Deleted` and the membership event are raised
# "manually" in Logto, with their own payloads; here they are rows of the same table.
REGISTRATION: dict[str, str] = {
    "POST /users": "User.Created",
    "DELETE /users/:userId": "User.Deleted",
    "PATCH /users/:userId": "User.Data.Updated",
    "PATCH /users/:userId/custom-data": "User.Data.Updated",
    "PATCH /users/:userId/profile": "User.Data.Updated",
    "PATCH /users/:userId/password": "User.Data.Updated",
    "PATCH /users/:userId/is-suspended": "User.SuspensionStatus.Updated",
    "POST /roles": "Role.Created",
    "DELETE /roles/:id": "Role.Deleted",
    "PATCH /roles/:id": "Role.Data.Updated",
    "POST /roles/:id/scopes": "Role.Scopes.Updated",
    "DELETE /roles/:id/scopes/:scopeId": "Role.Scopes.Updated",
    "POST /resources/:resourceId/scopes": "Scope.Created",
    "DELETE /resources/:resourceId/scopes/:scopeId": "Scope.Deleted",
    "PATCH /resources/:resourceId/scopes/:scopeId": "Scope.Data.Updated",
    "POST /organizations": "Organization.Created",
    "DELETE /organizations/:id": "Organization.Deleted",
    "PATCH /organizations/:id": "Organization.Data.Updated",
    "POST /organizations/:id/users": "Organization.Membership.Updated",
    "PUT /organizations/:id/users": "Organization.Membership.Updated",
    "PUT /organizations/:id/applications": "Organization.Membership.Updated",
    "DELETE /organizations/:id/users/:userId": "Organization.Membership.Updated",
    "POST /organizations/:id/applications": "Organization.Membership.Updated",
    "DELETE /organizations/:id/applications/:applicationId": "Organization.Membership.Updated",
    "POST /organization-roles": "OrganizationRole.Created",
    "DELETE /organization-roles/:id": "OrganizationRole.Deleted",
    "PATCH /organization-roles/:id": "OrganizationRole.Data.Updated",
    "POST /organization-scopes": "OrganizationScope.Created",
    "DELETE /organization-scopes/:id": "OrganizationScope.Deleted",
    "PATCH /organization-scopes/:id": "OrganizationScope.Data.Updated",
    "PUT /organization-roles/:id/scopes": "OrganizationRole.Scopes.Updated",
    "POST /organization-roles/:id/scopes": "OrganizationRole.Scopes.Updated",
    "DELETE /organization-roles/:id/scopes/:organizationScopeId": "OrganizationRole.Scopes.Updated",
}
MEMBERSHIP = "Organization.Membership.Updated"
_PARAM = re.compile(r"\{([^}:]+)(?::[^}]*)?\}|:(\w+)")


def _shape(template: str) -> str:
    return _PARAM.sub(":", template)


_BY_SHAPE = {(key.split(" ", 1)[0], _shape(key.split(" ", 1)[1])): key for key in REGISTRATION}


class Route:
    """What a registered route raises: the event, Logto's template and its parameter names."""

    __slots__ = ("event", "matched", "names")

    def __init__(self, event: str, matched: str) -> None:
        self.event = event
        self.matched = matched
        self.names = [m.group(2) for m in _PARAM.finditer(matched)]


def route_for(method: str, path: str) -> Route | None:
    """The event an authkeep route (`/users/{userId}`) raises on success, if any."""
    key = _BY_SHAPE.get((method, _shape(path)))
    if key is None:
        return None
    return Route(REGISTRATION[key], key.split(" ", 1)[1])


def subscribed(hook: Any, event: str) -> bool:
    """Logto: `events` when it is not empty, else the deprecated single `event`."""
    events = hook.events or []
    return event in events if events else hook.event == event


def iso(ms: int) -> str:
    return datetime.fromtimestamp(ms / 1000, UTC).strftime("%Y-%m-%dT%H:%M:%S.") + f"{ms % 1000:03d}Z"


def membership(
    method: str, matched: str, params: dict[str, str], body: Any, before: list[str] | None = None
) -> dict[str, Any]:
    """Logto's membership delta fields (empty ones omitted, each capped at 5,000). `before`: the
    members a replace (PUT) starts from."""
    kind = "ApplicationIds" if "/applications" in matched else "UserIds"
    ids: list[str] = []
    if method == "DELETE":
        ids = [params.get("applicationId" if kind == "ApplicationIds" else "userId", "")]
    elif isinstance(body, dict):
        given = body.get("applicationIds" if kind == "ApplicationIds" else "userIds")
        ids = list(dict.fromkeys(str(x) for x in given)) if isinstance(given, list) else []
    if method == "PUT":
        old = set(before or [])
        added, removed = [i for i in ids if i not in old], [i for i in before or [] if i not in set(ids)]
    else:
        added, removed = (ids, []) if method == "POST" else ([], ids)
    extra: dict[str, Any] = {"organizationId": params.get("id", "")}
    for name, found in (("added" + kind, added), ("removed" + kind, removed)):
        if found:
            extra[name] = found[:5000]
    return extra


def payload(hook_id: str, event: str, context: dict[str, Any], status: int | None, data: Any) -> bytes:
    """The JSON body, keys in Logto's order: event, createdAt, userAgent, ip, path, method, status,
    params, matchedRoute, data (or the membership fields), hookId. A context holding `body` (the
    Experience API's events: their JSON text, so PostgreSQL's jsonb keeps the key order) is sent as
    built, plus `hookId`."""
    if "body" in context:
        return orjson.dumps({**orjson.loads(context["body"]), "hookId": hook_id})
    body: dict[str, Any] = {"event": event}
    for key in ("createdAt", "userAgent", "ip", "path", "method"):
        if key in context:
            body[key] = context[key]
    if status is not None:
        body["status"] = status
    for key in ("params", "matchedRoute"):
        if key in context:
            body[key] = context[key]
    if "extra" in context:
        body.update(context["extra"])
    elif data is not None:
        body["data"] = data
    body["hookId"] = hook_id
    return orjson.dumps(body)


def sign(key: str, body: bytes) -> str:
    return hmac.new(key.encode(), body, hashlib.sha256).hexdigest()


def headers(config: dict[str, Any], key: str, body: bytes) -> dict[str, str]:
    found = {"user-agent": USER_AGENT, "content-type": "application/json"}
    found.update({str(k): str(v) for k, v in (config.get("headers") or {}).items()})
    if key:
        found[SIGNATURE_HEADER] = sign(key, body)
    return found


_FAKE_USER = {
    "id": "fake-id", "username": "fake-user", "primaryEmail": "fake-user@fake-service.com",
    "primaryPhone": "1234567890", "name": "Fake User", "avatar": "https://fake-service.com/avatars/fake-user.png",
    "customData": {"theme": "light"}, "identities": {"google": {"userId": "fake-google-user-id"}}, "profile": {},
    "applicationId": "fake-application-id", "cimdClientId": None, "isSuspended": False,
}  # fmt: skip
_FAKE_APP = {
    "id": "fake-spa-application-id", "type": "SPA", "name": "Fake Application",
    "description": "Fake application data for testing",
}  # fmt: skip


def test_payload(hook_id: str, event: str, now: int) -> bytes:
    """Logto's synthetic test payload (`generateHookTestPayload`)."""
    body: dict[str, Any] = {"event": event, "hookId": hook_id, "createdAt": iso(now), "userAgent": "fake-user-agent"}
    if event in INTERACTION_EVENTS:
        user = {**_FAKE_USER, "lastSignInAt": now, "createdAt": now, "updatedAt": now}
        body.update(sessionId="fake-session-id", userIp="fake-user-ip", userId="fake-id", user=user, application=_FAKE_APP)
    else:
        body.update(
            path="/fake-path/:id", method="POST", status=200, params={"id": "fake-id"}, data={"result": "success"}
        )
    return orjson.dumps(body)


for _code, _phrase in {
    "hook.missing_events": "You need to provide at least one event.",
    "hook.endpoint_responded_with_error": "Endpoint responded with error.",
    "hook.send_test_payload_failed": "Failed to send test payload. Error: {message}",
}.items():
    errors.MESSAGES.setdefault(_code, _phrase)
