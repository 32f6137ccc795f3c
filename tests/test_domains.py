"""Custom domains, secrets and system constants as Logto OSS answers them (no Cloudflare hostname
provider, no secret vault, no protected-app provider), with Logto's input checks first."""

from __future__ import annotations

import httpx

JSON_FILE = {"path": "/.well-known/apple-app-site-association", "content": "{}", "contentType": "application/json"}


def test_domains_without_hostname_provider(api: httpx.Client) -> None:
    listed = api.get("/api/domains")
    assert listed.status_code == 200 and listed.json() == []
    created = api.post("/api/domains", json={"domain": "auth.example.com"})
    assert created.status_code == 400
    assert created.json() == {"code": "domain.not_configured", "message": "Domain hostname provider is not configured."}
    missing = api.get("/api/domains/abc")
    assert missing.status_code == 404 and missing.json()["code"] == "entity.not_exists_with_id"
    assert missing.json()["message"] == "The domains with ID `abc` does not exist."
    assert api.delete("/api/domains/abc").json()["code"] == "domain.not_configured"
    assert api.get("/api/domains/abc/verification-files").status_code == 404
    put = api.put("/api/domains/abc/verification-files", json={"verificationFiles": [JSON_FILE]})
    assert put.status_code == 404 and put.json()["code"] == "entity.not_exists_with_id"
    cleanup = api.post("/api/domains/cleanup", json={"staleDays": 7})
    assert cleanup.status_code == 400 and cleanup.json()["code"] == "domain.not_configured"


def test_domain_inputs_checked_first(api: httpx.Client) -> None:
    for body in ({}, {"domain": ""}, {"domain": "x" * 257}, {"domain": 1}):
        r = api.post("/api/domains", json=body)
        assert r.status_code == 400 and r.json()["code"] == "guard.invalid_input", body
    for body in ({}, {"staleDays": 0}, {"staleDays": 1.5}, {"staleDays": "7"}):
        r = api.post("/api/domains/cleanup", json=body)
        assert r.status_code == 400 and r.json()["code"] == "guard.invalid_input", body
    bad_files = [
        [{**JSON_FILE, "content": "{nope"}],
        [{**JSON_FILE, "path": "/no-extension"}],
        [{**JSON_FILE, "path": "/../x.txt"}],
        [{**JSON_FILE, "contentType": "text/html"}],
        [JSON_FILE, JSON_FILE],
        [{**JSON_FILE, "path": f"/f{i}.txt", "contentType": "text/plain"} for i in range(11)],
        "x",
    ]
    for files in bad_files:
        r = api.put("/api/domains/abc/verification-files", json={"verificationFiles": files})
        assert r.status_code == 400 and r.json()["code"] == "guard.invalid_input", files
    ok = [{"path": "/BingSiteAuth.xml", "content": "<x/>", "contentType": "text/plain"}, JSON_FILE]
    assert api.put("/api/domains/abc/verification-files", json={"verificationFiles": ok}).status_code == 404


def test_secrets_and_systems(api: httpx.Client, anon: httpx.Client) -> None:
    r = api.delete("/api/secrets/abc")
    assert r.status_code == 404 and r.json() == {"code": "entity.not_found", "message": "The resource does not exist."}
    system = api.get("/api/systems/application")
    assert system.status_code == 501 and system.json()["code"] == "application.protected_app_not_configured"
    for method, path in (("GET", "/api/domains"), ("DELETE", "/api/secrets/a"), ("GET", "/api/systems/application")):
        assert anon.request(method, path).status_code == 401
