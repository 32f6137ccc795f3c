"""Generate `authkeep/sdk/_sync/` from `authkeep/sdk/_async/` (the httpcore "unasync" way).

The async modules are the single source; the sync twins are derived by token rewriting, so both
share one design and cannot drift. `tests/test_sdk_unasync.py` fails when the generated files are
stale. Regenerate with:

    .venv/bin/python -m tests.sdk_unasync
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
from pathlib import Path

SDK = Path(__file__).resolve().parent.parent / "src" / "authkeep" / "sdk"
ASYNC_DIR = SDK / "_async"
SYNC_DIR = SDK / "_sync"

HEADER = (
    "# Generated from src/authkeep/sdk/_async/{name} by tests/sdk_unasync.py. Do not edit:\n"
    "# change the async module and run `python -m tests.sdk_unasync`.\n"
)

# Order matters: longer, more specific patterns first.
SUBSTITUTIONS: list[tuple[str, str]] = [
    (r"\bauthkeep\.sdk\._async\b", "authkeep.sdk._sync"),
    (r"\bcreate_async_management_api\b", "create_management_api"),
    (r"\bStopAsyncIteration\b", "StopIteration"),
    (r"\b__aenter__\b", "__enter__"),
    (r"\b__aexit__\b", "__exit__"),
    (r"\b__aiter__\b", "__iter__"),
    (r"\b__anext__\b", "__next__"),
    (r"\baclose\b", "close"),
    (r"\banext\(", "next("),
    (r"\basyncio\.Lock\b", "threading.Lock"),
    (r"\basyncio\.sleep\b", "time.sleep"),
    (r"\basync def\b", "def"),
    (r"\basync with\b", "with"),
    (r"\basync for\b", "for"),
    (r"\bawait ", ""),
    (r"\bAsync(?=[A-Z])", ""),
]

_STDLIB_FOR_SYNC = ("threading", "time")


def _ruff() -> str:
    local = Path(sys.executable).parent / "ruff"
    found = str(local) if local.exists() else shutil.which("ruff")
    if not found:
        raise RuntimeError("ruff is needed to generate the sync SDK (pip install ruff)")
    return found


def _polish(text: str, filename: str) -> str:
    """Sort imports, turn `for x in xs: yield x` into `yield from`, format: as the repo's ruff."""
    ruff = _ruff()
    fix = [ruff, "check", "--fix", "--unsafe-fixes", "--select", "I,UP028", "--quiet"]
    for command in (
        [*fix, "--exit-zero", "--stdin-filename", filename, "-"],
        [ruff, "format", "--quiet", "--stdin-filename", filename, "-"],
    ):
        done = subprocess.run(command, input=text, capture_output=True, text=True, check=True)
        text = done.stdout
    return text


def unasync_source(text: str, name: str) -> str:
    for pattern, replacement in SUBSTITUTIONS:
        text = re.sub(pattern, replacement, text)
    lines = text.splitlines()
    if "import asyncio" in lines:
        index = lines.index("import asyncio")
        del lines[index]
        body = "\n".join(lines)
        for module in _STDLIB_FOR_SYNC:
            if f"{module}." in body and f"import {module}" not in lines:
                lines.insert(index, f"import {module}")
    filename = str(SYNC_DIR / name)
    return _polish(HEADER.format(name=name) + "\n".join(lines) + "\n", filename)


def generate() -> dict[Path, str]:
    return {
        SYNC_DIR / source.name: unasync_source(source.read_text(), source.name)
        for source in sorted(ASYNC_DIR.glob("*.py"))
    }


def stale() -> list[Path]:
    wanted = generate()
    extra = [p for p in SYNC_DIR.glob("*.py") if p not in wanted]
    return [p for p, text in wanted.items() if not p.exists() or p.read_text() != text] + extra


def main() -> int:
    SYNC_DIR.mkdir(exist_ok=True)
    for path, text in generate().items():
        if not path.exists() or path.read_text() != text:
            path.write_text(text)
            print(f"wrote {path.relative_to(SDK.parent.parent.parent)}")
    for path in SYNC_DIR.glob("*.py"):
        if path not in generate():
            path.unlink()
            print(f"removed {path}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
