"""The official `@logto/api@1.42.0` client, unchanged, against a live authkeep."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from tests.conftest import IN_CI, unique
from tests.server import Server

NODE_DIR = Path(__file__).parent / "node"


def _install() -> None:
    if (NODE_DIR / "node_modules" / "@logto" / "api").exists():
        return
    subprocess.run(
        ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"], cwd=NODE_DIR, check=True, timeout=300
    )


@pytest.fixture(scope="module")
def node_ready() -> None:
    if shutil.which("node") is None or shutil.which("npm") is None:
        if IN_CI:
            pytest.fail("node and npm are required in CI")
        pytest.skip("node/npm not installed")
    _install()


def test_official_client_flow(server: Server, node_ready: None) -> None:
    env = {
        **os.environ,
        "AUTHKEEP_URL": server.base_url,
        "CLIENT_ID": server.client_id,
        "CLIENT_SECRET": server.client_secret,
        "SUFFIX": unique("n"),
    }
    run = subprocess.run(["node", "flow.mjs"], cwd=NODE_DIR, env=env, capture_output=True, text=True, timeout=120, check=False)
    assert run.returncode == 0, run.stderr
    out = json.loads(run.stdout)

    assert out["token"] == {"hasValue": True, "scope": "all"}
    assert out["listApps"]["status"] == 200 and isinstance(out["listApps"]["data"], list)
    app = out["createApp"]
    assert app["status"] == 200 and app["data"]["type"] == "MachineToMachine" and "secret" not in app["data"]
    assert out["getApp"]["data"]["id"] == app["data"]["id"] and out["getApp"]["data"]["isAdmin"] is False
    assert out["createRole"]["status"] == 200 and out["createRole"]["data"]["type"] == "MachineToMachine"
    roles = out["listRoles"]
    assert "Logto Management API access" in [r["name"] for r in roles["data"]]
    assert int(roles["totalNumber"]) >= 2 and '/api/roles?' in roles["link"]
    assert out["assignRole"]["status"] == 201
    assert out["assignRole"]["data"]["addedRoleIds"] == [out["createRole"]["data"]["id"]]
    # Logto answers text/plain "OK" here, which makes its own client throw; authkeep does not.
    assert out["replaceRoles"] == {"status": 200}
    assert [r["id"] for r in out["appRoles"]["data"]] == [out["createRole"]["data"]["id"]]
    secrets = out["secrets"]["data"]
    assert [s["name"] for s in secrets] == ["Default secret"] and len(secrets[0]["value"]) == 32
    missing = out["missingApp"]
    assert missing["status"] == 404 and missing["error"]["code"] == "entity.not_exists_with_id"
    assert "https://default.logto.app/api" in [r["indicator"] for r in out["resources"]["data"]]
    assert out["deleteApp"]["status"] == 204
