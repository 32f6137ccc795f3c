"""Layers point one way: api/ -> domain/ -> store/. The store imports nothing above it, migrations
import nothing from authkeep (they are frozen), and the domain knows nothing of HTTP."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parents[1] / "src"
PKG = SRC / "authkeep"
ABOVE_STORE = ("authkeep.api", "authkeep.domain", "authkeep.oidc", "authkeep.console", "authkeep.app")
HTTP = ("starlette", "authkeep.api", "authkeep.app")

# Known offenders being fixed on other branches. An entry that no longer offends fails the test,
# so this list can only shrink.
KNOWN: dict[str, str] = {}
KNOWN_DOMAIN_WEB: dict[str, str] = {}


def _module(path: Path) -> str:
    return ".".join(path.relative_to(SRC).with_suffix("").parts).removesuffix(".__init__")


def _imports(path: Path, package: str | None = None) -> set[str]:
    """Every module a file names in an import statement, at any depth (function-level too)."""
    found: set[str] = set()
    if package is None:
        package = _module(path).rsplit(".", 1)[0] if path.name != "__init__.py" else _module(path)
    for node in ast.walk(ast.parse(path.read_text(), str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")
                base = ".".join(parts[: len(parts) - node.level + 1] + ([base] if base else []))
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return found


def _hits(names: set[str], banned: tuple[str, ...]) -> set[str]:
    return {n for n in names if any(n == b or n.startswith(b + ".") for b in banned)}


def _store_files() -> list[Path]:
    return sorted(p for p in (PKG / "store").rglob("*.py") if "migrations" not in p.parts)


def test_store_source_imports_nothing_above_it() -> None:
    offenders = {_module(p): sorted(_hits(_imports(p), ABOVE_STORE)) for p in _store_files()}
    offenders = {m: hits for m, hits in offenders.items() if hits}
    assert {m: h for m, h in offenders.items() if m not in KNOWN} == {}
    assert sorted(m for m in KNOWN if m not in offenders) == [], "fixed: drop it from KNOWN"


def test_importing_the_store_loads_nothing_above_it() -> None:
    """The AST misses indirect imports (store -> neutral module -> domain): import for real."""
    modules = [_module(p) for p in _store_files() if _module(p) not in KNOWN]
    script = (
        "import importlib, json, sys\n"
        f"banned = {ABOVE_STORE!r}\n"
        "out = {}\n"
        f"for name in {modules!r}:\n"
        "    before = set(sys.modules)\n"
        "    importlib.import_module(name)\n"
        "    new = [m for m in set(sys.modules) - before if any(m == b or m.startswith(b + '.') for b in banned)]\n"
        "    if new: out[name] = sorted(new)\n"
        "print(json.dumps(out))\n"
    )
    done = subprocess.run(
        [sys.executable, "-c", script], check=False, capture_output=True, text=True, env={"PYTHONPATH": str(SRC)},
        timeout=60,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout) == {}
    assert len(modules) >= 15  # the walk really found the store


@pytest.mark.parametrize("path", sorted((PKG / "store" / "migrations").rglob("*.py")), ids=lambda p: p.name)
def test_migrations_are_frozen(path: Path) -> None:
    assert _hits(_imports(path), ("authkeep",)) == set()


def test_migrations_found() -> None:
    assert len(list((PKG / "store" / "migrations" / "versions").glob("0*.py"))) >= 6


def test_domain_knows_nothing_of_http() -> None:
    files = sorted((PKG / "domain").rglob("*.py"))
    assert {_module(p): sorted(h) for p in files if (h := _hits(_imports(p), HTTP))} == {}
    web = {_module(p) for p in files if _hits(_imports(p), ("authkeep.web",))}
    assert sorted(web - set(KNOWN_DOMAIN_WEB)) == []
    assert sorted(set(KNOWN_DOMAIN_WEB) - web) == [], "fixed: drop it from KNOWN_DOMAIN_WEB"


def test_the_checks_catch_an_upward_import(tmp_path: Path) -> None:
    """The walker itself must see module-level, nested and relative imports."""
    probe = tmp_path / "probe.py"
    probe.write_text(
        "def f():\n    from authkeep.domain import roles\n\nfrom ..oidc import discovery\n"
        "from authkeep import web\nimport starlette.requests\n"
    )
    names = _imports(probe, package="authkeep.store")
    assert _hits(names, ABOVE_STORE) == {"authkeep.domain", "authkeep.domain.roles", "authkeep.oidc", "authkeep.oidc.discovery"}
    assert _hits(names, HTTP) == {"starlette.requests"}
    assert _hits(names, ("authkeep.web",)) == {"authkeep.web"}


def test_one_name_per_kind_of_key_module() -> None:
    """Signing keys are `signing_keys` in every layer (no three different `keys.py`)."""
    for layer in ("store", "domain", "oidc"):
        assert (PKG / layer / "signing_keys.py").exists()
        assert not (PKG / layer / "keys.py").exists()
