"""Fuzzing: schemathesis generates requests from the live server's own OpenAPI document.

Every operation is fuzzed on both backends, each on a dedicated server, with a valid Management
API token. Three checks must hold for every response: no status >= 500 (`not_a_server_error`;
only Logto's 501 for protected apps, which the open-source edition lacks, is exempt), a
body that conforms to the documented response schema (`response_schema_conformance`), and every
4xx in Logto's error shape (`logto_error_body`).

Generated ids would only ever meet 404s, so each case may swap its path parameters for ids of
real entities (`Pool`): an application of each kind, roles, a resource and its scope, a user, an
organization with its roles, scopes and an invitation, a secret, a personal access token. The
pool is seeded anew before each DELETE operation and every few operations, so deletions do not
starve the operations after them. Cases are generated positively (valid by the document) and
negatively (violating it) in equal measure.

Reproducible: hypothesis runs derandomized (`derandomize=True`, no example database), so CI
generates the same cases every run. The number of cases per operation is
AUTHKEEP_FUZZ_EXAMPLES (default `EXAMPLES`); the last test checks the total reached
`MIN_TOTAL` when the whole module ran. AUTHKEEP_FUZZ_REPORT=path writes every failure found
(with a curl reproduction) as JSON.

Failures that are known and belong to code another team is still writing are listed in KNOWN:
they turn the operation's test into an xfail (with the reason), while any other failure on the
same operation still fails it.
"""

from __future__ import annotations

import itertools
import json
import os
import secrets
import time
from collections import Counter
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
import requests
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import seed as hypothesis_seed
from hypothesis import strategies as st
from hypothesis.errors import Unsatisfiable

from tests.conftest import IN_CI, fresh_server
from tests.server import Server

try:
    import schemathesis
except ImportError:  # the test extra installs it; CI must not skip silently
    if IN_CI:
        raise
    pytest.skip("schemathesis is not installed: pip install -e '.[test]'", allow_module_level=True)

from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.specs.openapi.checks import response_schema_conformance

DOCUMENT = Path(__file__).resolve().parent.parent / "src" / "authkeep" / "openapi" / "management.json"
METHODS = ("get", "post", "put", "patch", "delete")
EXAMPLES = 40
MIN_TOTAL = 10_000
RESEED_EVERY = 8


def logto_error_body(ctx: Any, response: Any, case: Any) -> bool | None:
    """A 4xx is Logto's JSON error (`code`, `message`), never a bare text page. Exempt: a path
    parameter holding "/" (sent as %2F), which Starlette cannot route (reported in issue 6)."""
    if not 400 <= response.status_code < 500:
        return None
    params = case.path_parameters or {}
    if any("/" in str(v) for v in params.values()) and response.text in {"Not Found", "Method Not Allowed"}:
        return None
    # A URL of 64 KiB or more is refused by uvicorn's parser before the app sees it (docs/security.md).
    if response.status_code == 400 and len(response.request.url) >= 65_536:
        return None
    # Logto answers a refused password with `{result: false, issues}` and 400, not an error body.
    if case.path == "/api/sign-in-exp/default/check-password" and response.text.startswith('{"result":false'):
        return None
    try:
        body = response.json()
    except ValueError:
        body = None
    assert isinstance(body, dict) and isinstance(body.get("code"), str) and isinstance(body.get("message"), str), (
        f"not a Logto error body: {response.text[:200]!r}"
    )
    return True


# Logto's open-source answer for protected apps (no Cloudflare provider), in Logto's words "not
# available for open source version": a deliberate 501, not a server error.
# Likewise Logto's 501 `connector.not_found` (no e-mail/SMS connector set up yet) and
# `connector.not_implemented` (authorization URIs of session-bound social connectors).
NOT_CONFIGURED = {
    "application.protected_app_not_configured",
    "domain.not_configured",
    "connector.not_found",
    "connector.not_implemented",
}


def no_server_error(ctx: Any, response: Any, case: Any) -> bool | None:
    """`not_a_server_error`, except Logto's 501 for a feature the open-source edition lacks."""
    if response.status_code == 501:
        try:
            if response.json().get("code") in NOT_CONFIGURED:
                return True
        except (ValueError, AttributeError):
            pass
    return not_a_server_error(ctx, response, case)


CHECKS = [no_server_error, response_schema_conformance, logto_error_body]
if os.environ.get("AUTHKEEP_FUZZ_EXPLORE"):
    from schemathesis.specs.openapi.checks import (
        content_type_conformance,
        negative_data_rejection,
        status_code_conformance,
    )

    CHECKS += [status_code_conformance, content_type_conformance, negative_data_rejection]
REPORT = os.environ.get("AUTHKEEP_FUZZ_REPORT")
# Exploration beyond the CI set: another seed generates other cases (CI runs derandomized).
SEED = os.environ.get("AUTHKEEP_FUZZ_SEED")


def _operations() -> list[str]:
    doc = json.loads(DOCUMENT.read_text())
    return [f"{m.upper()} {path}" for path, item in doc["paths"].items() for m in METHODS if m in item]


OPERATIONS = _operations()


def _examples() -> int:
    return int(os.environ.get("AUTHKEEP_FUZZ_EXAMPLES", EXAMPLES))


# --- Known failures in code that is still being written by others ---------------------------------
# label -> [(reason, predicate over (case, response))]; see the final report of issue 6.
Known = Callable[[Any, requests.Response], bool]
KNOWN: dict[str, list[tuple[str, Known]]] = {}


# --- Real ids to put in paths and bodies -----------------------------------------------------------------------


BODY_IDS = {
    "roleIds": "role", "roleId": "role", "userIds": "user", "userId": "user",
    "applicationIds": "app", "applicationId": "app", "scopeIds": "scope", "resourceScopeIds": "scope",
    "resourceScopes": "scope", "organizationResourceScopes": "scope", "organizationScopeIds": "org_scope",
    "organizationScopes": "org_scope", "organizationRoleIds": "org_role", "organizationRoleId": "org_role",
    "organizationId": "org", "organizationIds": "org", "emailDomains": "email_domain",
}


# Logto's advanced search on list operations: the document declares it only as `search_params`
# (any keys), so random keys would never reach it. Half of the list cases get a search built here.
SEARCH_FIELDS = ["id", "name", "description", "username", "primaryEmail", "primaryPhone", "indicator",
                 "email", "customData", "nope", "name.first"]
SEARCH_VALUES = ["%", "_", "a%", "%a_", "\\", "[", "(", ")*", "a|b", "^$", ".*", "(?i)x", "*", "'", "\"", "ü", "é%",
                 "+61", "@", "1", "true", "null", "[[:alpha:]]", "a{99999}", "%%%%%%%%%%"]
# LIKE's metacharacters at any position of a value (a trailing `\\` was a 500 on PostgreSQL), and
# values far over the search bound (60,000 characters were a 500 on SQLite).
METACHARS = ("\\", "%", "_")
META_VALUE = st.builds(lambda base, ch, at: base[:at] + ch + base[at:], st.sampled_from(["", "a", "fz-", "%a_b\\"]),
                       st.sampled_from(METACHARS), st.integers(0, 7))
HUGE_VALUE = st.sampled_from(["x" * 20_000, "%" * 100_000, "\\" * 50_000 + "a", "%a" * 50_000])
SEARCH = st.dictionaries(
    st.one_of(st.sampled_from(["search", "joint", "isCaseSensitive", "mode"]),
              st.sampled_from(["search.", "mode."]).flatmap(lambda p: st.sampled_from(SEARCH_FIELDS).map(p.__add__))),
    st.one_of(st.sampled_from(SEARCH_VALUES), st.sampled_from(["exact", "like", "similar_to", "posix", "or", "and",
                                                               "true", "false"]), st.text(max_size=8), META_VALUE,
              HUGE_VALUE),
    min_size=1, max_size=4,
)
SEARCHABLE = ["/api/applications", "/api/applications/{applicationId}/roles", "/api/resources/{resourceId}/scopes",
              "/api/roles", "/api/roles/{id}/applications", "/api/roles/{id}/scopes", "/api/roles/{id}/users",
              "/api/users", "/api/users/{userId}/roles"]


@dataclass
class Pool:
    """Ids of live entities by role, e.g. pool.ids["app"] = [m2m, traditional, third-party]."""

    ids: dict[str, list[str]] = field(default_factory=dict)

    def for_param(self, template: str, name: str) -> list[str]:
        segments = template.split("/")
        before = segments[segments.index("{" + name + "}") - 1]
        if name == "id":
            key = {
                "applications": "app",
                "organization-invitations": "invitation",
                "organization-roles": "org_role",
                "organization-scopes": "org_scope",
                "organizations": "org",
                "resources": "resource",
                "roles": "role",
            }.get(before)
        elif name == "name":
            key = "secret" if "/secrets/" in template else "pat"
        else:
            key = {
                "applicationId": "app",
                "roleId": "role",
                "scopeId": "scope",
                "userId": "user",
                "organizationId": "org",
                "organizationScopeId": "org_scope",
                "organizationRoleId": "org_role",
                "resourceId": "resource",
                "keyId": "key",
                "emailDomain": "email_domain",
            }.get(name)
        return self.ids.get(key, []) if key else []

    def inject(self, body: dict[str, Any], data: Any) -> dict[str, Any]:
        """Put real ids into the id fields of a generated body, each one with even odds."""
        out = dict(body)
        for key, value in body.items():
            kind = BODY_IDS.get(key)
            ids = self.ids.get(kind or "", [])
            if not ids or not data.draw(st.booleans()):
                continue
            if isinstance(value, list):
                out[key] = data.draw(st.lists(st.sampled_from(ids), max_size=4))
            elif isinstance(value, str):
                out[key] = data.draw(st.sampled_from(ids))
        return out

    def combos(self, template: str, names: list[str]) -> list[dict[str, str]]:
        choices = [[(n, v) for v in self.for_param(template, n)] for n in names]
        choices = [c for c in choices if c]
        return [dict(p) for p in itertools.islice(itertools.product(*choices), 12)] if choices else []


def _ok(res: requests.Response) -> Any:
    assert res.status_code < 300, f"seeding: {res.request.method} {res.request.url} -> {res.status_code} {res.text}"
    return res.json() if res.content else None


def seed(s: requests.Session, base: str) -> Pool:
    def post(path: str, body: Any) -> Any:
        return _ok(s.post(base + path, json=body))

    tag = secrets.token_hex(4)
    m2m = post("/api/applications", {"name": f"fz-m2m-{tag}", "type": "MachineToMachine"})["id"]
    web = post("/api/applications", {"name": f"fz-web-{tag}", "type": "Traditional",
                                     "oidcClientMetadata": {"redirectUris": ["https://app.example.com/cb"],
                                                            "postLogoutRedirectUris": []}})["id"]
    third = post("/api/applications", {"name": f"fz-3p-{tag}", "type": "Traditional", "isThirdParty": True,
                                       "oidcClientMetadata": {"redirectUris": [], "postLogoutRedirectUris": []}})["id"]
    resource = post("/api/resources", {"name": f"fz-api-{tag}", "indicator": f"https://fz-{tag}.example.com"})["id"]
    scope = post(f"/api/resources/{resource}/scopes", {"name": f"read:{tag}", "description": "fz"})["id"]
    role_user = post("/api/roles", {"name": f"fz-user-{tag}", "description": "fz", "type": "User",
                                    "scopeIds": [scope]})["id"]
    role_m2m = post("/api/roles", {"name": f"fz-m2m-{tag}", "description": "fz", "type": "MachineToMachine",
                                   "scopeIds": [scope]})["id"]
    user = post("/api/users", {"username": f"fz_{tag}", "primaryEmail": f"fz-{tag}@example.com",
                               "password": f"Fz-{tag}-pass!"})["id"]
    org = post("/api/organizations", {"name": f"fz-org-{tag}"})["id"]
    org_scope = post("/api/organization-scopes", {"name": f"fz-os-{tag}"})["id"]
    org_role = post("/api/organization-roles", {"name": f"fz-or-{tag}", "organizationScopeIds": [org_scope],
                                                "resourceScopeIds": [scope]})["id"]
    post(f"/api/roles/{role_user}/users", {"userIds": [user]})
    post(f"/api/roles/{role_m2m}/applications", {"applicationIds": [m2m]})
    post(f"/api/organizations/{org}/users", {"userIds": [user]})
    post(f"/api/organizations/{org}/users/{user}/roles", {"organizationRoleIds": [org_role]})
    post(f"/api/organizations/{org}/applications", {"applicationIds": [m2m]})
    post(f"/api/organizations/{org}/jit/email-domains", {"emailDomain": f"fz-{tag}.example.com"})
    post(f"/api/organizations/{org}/jit/roles", {"organizationRoleIds": [org_role]})
    invitation = post("/api/organization-invitations", {"organizationId": org, "invitee": f"i-{tag}@example.com",
                                                        "expiresAt": int(time.time() * 1000) + 86_400_000})["id"]
    secret = post(f"/api/applications/{m2m}/secrets", {"name": f"fz-secret-{tag}"})["name"]
    pat = post(f"/api/users/{user}/personal-access-tokens", {"name": f"fz-pat-{tag}"})["name"]
    post(f"/api/applications/{third}/user-consent-scopes", {"resourceScopes": [scope], "organizationScopes": [org_scope]})
    keys = [k["id"] for kind in ("private-keys", "cookie-keys") for k in _ok(s.get(f"{base}/api/configs/oidc/{kind}"))]
    return Pool({
        "app": [m2m, web, third], "role": [role_user, role_m2m], "resource": [resource], "scope": [scope],
        "user": [user], "org": [org], "org_role": [org_role], "org_scope": [org_scope], "invitation": [invitation],
        "secret": [secret], "pat": [pat], "email_domain": [f"fz-{tag}.example.com"], "key": keys,
    })


# --- The fuzzing session per backend ----------------------------------------------------------------


@dataclass
class Failure:
    operation: str
    status: int
    curl: str
    response: str
    message: str
    known: str | None = None


@dataclass
class Fuzz:
    server: Server
    schema: Any
    session: requests.Session
    pool: Pool
    runs: int = 0
    counts: Counter[str] = field(default_factory=Counter)
    statuses: Counter[str] = field(default_factory=Counter)
    failures: list[Failure] = field(default_factory=list)

    def refresh_token(self) -> None:
        self.session.headers["Authorization"] = f"Bearer {self.server.token()}"

    def send(self, case: Any) -> requests.Response:
        res = case.call(base_url=self.server.base_url, session=self.session, timeout=30)
        if res.status_code == 401 and "ERR_J" in res.text and "authorization" not in {k.lower() for k in case.headers or {}}:
            # Rotations and key deletions by earlier cases retire the signing key of our token.
            self.refresh_token()
            res = case.call(base_url=self.server.base_url, session=self.session, timeout=30)
        return res


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def fuzz(request: pytest.FixtureRequest) -> Iterator[Fuzz]:
    # A mail sender, so invitations are sent rather than refused with 501 connector.not_found.
    with fresh_server(request.param, {"AUTHKEEP_EMAIL_SENDER": "log"}) as server:
        session = requests.Session()
        session.headers["Authorization"] = f"Bearer {server.token()}"
        raw = session.get(f"{server.base_url}/api/swagger.json")
        assert raw.json() == json.loads(DOCUMENT.read_text()), "the live document is the committed one"
        schema = schemathesis.openapi.from_url(f"{server.base_url}/api/swagger.json")
        state = Fuzz(server, schema, session, seed(session, server.base_url))
        yield state
        session.close()
        if REPORT:
            path = Path(f"{REPORT}.{request.param}.json")
            path.write_text(json.dumps([f.__dict__ for f in state.failures], indent=1))
            Path(f"{REPORT}.{request.param}.statuses.json").write_text(json.dumps(state.statuses, indent=1))


def _strategy(op: Any) -> Any:
    """Valid and invalid requests in equal measure; invalid ones only where there is a body or a
    query to break (path parameters are plain strings: nothing to negate)."""
    modes = [GenerationMode.POSITIVE]
    if len(op.body) or len(op.query):
        modes.append(GenerationMode.NEGATIVE)
    return st.one_of([op.as_strategy(generation_mode=mode) for mode in modes])


def _known(label: str, case: Any, res: requests.Response) -> str | None:
    for reason, predicate in KNOWN.get(label, []):
        if predicate(case, res):
            return reason
    return None


@pytest.mark.parametrize("label", OPERATIONS)
def test_fuzz(fuzz: Fuzz, label: str) -> None:
    method, template = label.split(" ", 1)
    op = fuzz.schema[template][method]
    fuzz.runs += 1
    if method in {"DELETE", "PUT"} or fuzz.runs % RESEED_EVERY == 0:
        fuzz.pool = seed(fuzz.session, fuzz.server.base_url)
    names = [p.name for p in op.path_parameters]
    searchable = any(p.name == "search_params" for p in op.query)
    combos = fuzz.pool.combos(template, names)
    found: list[Failure] = []

    @settings(
        max_examples=_examples(),
        derandomize=SEED is None,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
        report_multiple_bugs=False,
    )
    @given(case=_strategy(op), pick=st.integers(0, len(combos)), data=st.data())
    def run(case: Any, pick: int, data: Any) -> None:
        if pick < len(combos):
            case.path_parameters = {**(case.path_parameters or {}), **combos[pick]}
        if isinstance(case.body, dict) and data.draw(st.booleans()):
            case.body = fuzz.pool.inject(case.body, data)
        if searchable and data.draw(st.booleans()):
            case.query = {**(case.query or {}), **data.draw(SEARCH)}
        fuzz.counts[label] += 1
        res = fuzz.send(case)
        fuzz.statuses[f"{label} {res.status_code}"] += 1
        try:
            case.validate_response(res, checks=CHECKS)
        except FailureGroup as exc:
            curl = case.as_curl_command(headers={"Authorization": "Bearer $TOKEN"})
            found.append(Failure(label, res.status_code, curl, res.text[:500], str(exc)[:1500], _known(label, case, res)))

    if SEED is not None:
        run = hypothesis_seed(int(SEED))(run)
    try:
        run()
    except Unsatisfiable:
        pytest.fail(f"{label}: the document admits no request (fix the document, see scripts/build_openapi.py)")
    fuzz.failures.extend(found)
    if template.startswith("/api/configs/jwt-customizer/"):  # a stored failing script could refuse our tokens
        for kind in ("access-token", "client-credentials"):
            fuzz.session.delete(f"{fuzz.server.base_url}/api/configs/jwt-customizer/{kind}")
    unknown = [f for f in found if f.known is None]
    assert not unknown, f"{len(unknown)} failures:\n" + "\n\n".join(
        f"{f.curl}\n-> {f.status} {f.response}\n{f.message}" for f in unknown[:5]
    )
    if found:
        pytest.xfail("; ".join(sorted({f.known or "" for f in found})))


def _every_position(base: str) -> Iterator[str]:
    for ch in METACHARS:
        for at in range(len(base) + 1):
            yield base[:at] + ch + base[at:]


@pytest.mark.parametrize("template", SEARCHABLE)
def test_search_metacharacters_everywhere(fuzz: Fuzz, template: str) -> None:
    """Every list with advanced search: `\\`, `%`, `_` at every position of a value, in every
    mode, and 100 KB values: never a 5xx, always a JSON answer (a 431 for the oversized ones)."""
    fuzz.refresh_token()  # earlier cases rotate keys and delete entities
    fuzz.pool = seed(fuzz.session, fuzz.server.base_url)
    names = [segment[1:-1] for segment in template.split("/") if segment.startswith("{")]
    combo = (fuzz.pool.combos(template, names) or [{}])[0]
    url = fuzz.server.base_url + template.format(**combo)
    modes = [{}, {"isCaseSensitive": "true"}, {"mode": "exact"}, {"mode": "posix"},
             {"mode": "similar_to", "isCaseSensitive": "true"}]
    for value in _every_position("a%b_"):
        for key in ("search", "search.name" if "scopes" in template or "roles" in template else "search.id"):
            for extra in modes:
                res = fuzz.session.get(url, params={key: value, **extra}, timeout=30)
                assert res.status_code in (200, 400), (template, key, value, extra, res.status_code, res.text[:200])
                if res.status_code == 400:
                    assert res.json()["code"] == "request.invalid_input", res.text[:200]
    for value in ("x" * 20_000, "x" * 100_000, "\\" * 100_000, "%_" * 50_000):
        res = fuzz.session.get(url, params={"search": value}, timeout=30)
        if len(res.request.url) < 65_536:  # past that, uvicorn's parser answers a plain 400 itself
            assert res.status_code == 431 and res.json()["code"] == "request.header_fields_too_large"
        else:
            assert res.status_code == 400, res.text[:200]


def test_fuzz_total(fuzz: Fuzz) -> None:
    """Runs after the operations of its backend: the two backends together reach MIN_TOTAL."""
    if len(fuzz.counts) < len(OPERATIONS):
        pytest.skip("only part of the operations ran")
    total = sum(fuzz.counts.values())
    print(f"\n{fuzz.server.backend}: {total} cases over {len(fuzz.counts)} operations")
    assert total * 2 >= MIN_TOTAL * _examples() / EXAMPLES
