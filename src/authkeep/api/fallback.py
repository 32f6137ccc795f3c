"""Answers for requests no route takes, shaped as the server Logto runs would shape them.

Under `/api`, Logto's koa-router answers an unknown path with a plain-text 404 and a known path
with the wrong method with a plain-text 405 (`allowedMethods()`); Starlette does the same. Under
`/oidc`, oidc-provider answers both alike: 404 `invalid_request` "unrecognized route or not
allowed method", in Logto's JSON error shape. `ExactRoute` gives the second behaviour: a path
match with the wrong method is no match, so the router's default answers.
"""

from __future__ import annotations

from typing import Any

from starlette.routing import Match, Route


class ExactRoute(Route):
    def matches(self, scope: Any) -> tuple[Match, dict[str, Any]]:
        match, child = super().matches(scope)
        return (Match.NONE, {}) if match is Match.PARTIAL else (match, child)
