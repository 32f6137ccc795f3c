"""User assets: uploads on local disk with Logto's size and type limits, served back publicly
(never as active content of this origin); `not_configured` when the directory is switched off."""

from __future__ import annotations

import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.conftest import fresh_server
from tests.server import Server

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64


@pytest.fixture(scope="module")
def assets_dir() -> Iterator[Path]:
    path = Path(tempfile.mkdtemp(prefix="authkeep-assets-"))
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


@pytest.fixture(scope="module", params=["sqlite", "postgres"])
def assets_server(request: pytest.FixtureRequest, assets_dir: Path) -> Iterator[Server]:
    with fresh_server(request.param, {"AUTHKEEP_USER_ASSETS_DIR": str(assets_dir / request.param)}) as srv:
        yield srv


@pytest.fixture
def client(assets_server: Server) -> Iterator[httpx.Client]:
    headers = {"Authorization": f"Bearer {assets_server.token()}"}
    with httpx.Client(base_url=assets_server.base_url, headers=headers, timeout=60) as c:
        yield c


def test_status_and_upload(client: httpx.Client, assets_server: Server, assets_dir: Path) -> None:
    status = client.get("/api/user-assets/service-status").json()
    assert status["status"] == "ready" and status["maxUploadFileSize"] == 20 * 1024 * 1024
    assert "image/png" in status["allowUploadMimeTypes"] and status["isExperienceAvatarUploadEnabled"] is True

    r = client.post("/api/user-assets", files={"file": ("../../logo me.png", PNG, "image/png")})
    assert r.status_code == 200, r.text
    url = r.json()["url"]
    assert set(r.json()) == {"url"} and url.startswith(f"{assets_server.base_url}/user-assets/default/")
    assert url.endswith("/logo_me.png")
    served = httpx.get(url)
    assert served.status_code == 200 and served.content == PNG and served.headers["content-type"] == "image/png"
    assert "sandbox" in served.headers["content-security-policy"] and served.headers["x-content-type-options"] == "nosniff"
    stored = list((assets_dir / assets_server.backend).rglob("logo_me.png"))
    assert len(stored) == 1 and stored[0].read_bytes() == PNG
    assert httpx.get(f"{assets_server.base_url}/user-assets/../../etc/passwd").status_code == 404
    assert httpx.get(f"{assets_server.base_url}/user-assets/default/nothing.png").status_code == 404


def test_upload_limits(client: httpx.Client) -> None:
    wrong_type = client.post("/api/user-assets", files={"file": ("a.html", b"<script>", "text/html")})
    assert wrong_type.status_code == 400 and wrong_type.json()["code"] == "guard.mime_type_not_allowed"
    big = client.post("/api/user-assets", files={"file": ("a.png", b"\x00" * (20 * 1024 * 1024 + 1), "image/png")})
    assert big.status_code == 400 and big.json()["code"] == "guard.file_size_exceeded"
    no_file = client.post("/api/user-assets", files={"other": ("a.png", PNG, "image/png")})
    assert no_file.status_code == 400 and no_file.json()["code"] == "guard.invalid_input"
    assert no_file.json()["data"]["issues"][0]["path"] == ["file"]
    not_multipart = client.post("/api/user-assets", json={"file": "x"})
    assert not_multipart.status_code == 400 and not_multipart.json()["code"] == "guard.invalid_input"
    garbled = client.post("/api/user-assets", content=b"--x\r\nnope", headers={"Content-Type": "multipart/form-data; boundary=x"})
    assert garbled.status_code == 400
    assert httpx.post(f"{client.base_url}/api/user-assets", files={"file": ("a.png", PNG, "image/png")}).status_code == 401


@pytest.mark.parametrize("backend", ["sqlite"])
def test_not_configured(backend: str) -> None:
    with fresh_server(backend, {"AUTHKEEP_USER_ASSETS_DIR": "off"}) as srv, httpx.Client(
        base_url=srv.base_url, headers={"Authorization": f"Bearer {srv.token()}"}
    ) as c:
        assert c.get("/api/user-assets/service-status").json() == {"status": "not_configured", "isExperienceAvatarUploadEnabled": True}
        r = c.post("/api/user-assets", files={"file": ("a.png", PNG, "image/png")})
        assert r.status_code == 400 and r.json() == {"code": "storage.not_configured", "message": "Storage provider is not configured."}


def test_sdk_upload(assets_server: Server) -> None:
    from authkeep.sdk import create_management_api

    with create_management_api(
        "default", client_id=assets_server.client_id, client_secret=assets_server.client_secret,
        base_url=assets_server.base_url, api_indicator="https://default.logto.app/api",
    ) as mgmt:  # fmt: skip
        assert mgmt.api.user_assets.service_status()["status"] == "ready"
        url = mgmt.api.user_assets.upload("icon.png", PNG, "image/png")["url"]
        assert httpx.get(url).content == PNG
        assert mgmt.api.sso_connector_providers.list()[0]["providerName"] == "OIDC"
        assert mgmt.api.domains.list() == [] and mgmt.api.cimd.list_user_consent_scopes()["userScopes"] == []
