"""The SDK ships as its own distribution whose only dependency is httpx."""

from __future__ import annotations

import subprocess
import sys
import venv
import zipfile
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def test_sdk_wheel_installs_alone(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(tmp_path), str(ROOT / "packaging" / "sdk")],
        check=True, timeout=300,
    )
    (wheel,) = tmp_path.glob("authkeep_sdk-*.whl")
    with zipfile.ZipFile(wheel) as archive:
        names = archive.namelist()
        metadata = next(archive.read(n).decode() for n in names if n.endswith("METADATA"))
    assert {n.split("/")[0] for n in names} == {"authkeep", "authkeep_sdk-0.1.0.dist-info"}
    assert all(n == "authkeep/__init__.py" or n.startswith("authkeep/sdk/") for n in names if n.startswith("authkeep/"))
    assert [line for line in metadata.splitlines() if line.startswith("Requires-Dist")] == ["Requires-Dist: httpx>=0.27"]

    env_dir = tmp_path / "venv"
    venv.create(env_dir, with_pip=True)
    python = env_dir / "bin" / "python"
    subprocess.run([str(python), "-m", "pip", "install", "-q", str(wheel)], check=True, timeout=300)
    check = (
        "import sys, authkeep.sdk as s; "
        "assert hasattr(s, 'create_management_api') and hasattr(s, 'create_async_management_api'); "
        "bad = {'starlette', 'sqlalchemy', 'pydantic', 'orjson', 'uvicorn'} & set(sys.modules); "
        "assert not bad, bad"
    )
    subprocess.run([str(python), "-c", check], check=True, timeout=60, cwd=tmp_path)
