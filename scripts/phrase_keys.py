"""Extract the key tree of Logto's English experience phrases (keys only, no text) into
src/authkeep/domain/phrase_keys.json, which PUT /api/custom-phrases checks translations against
(Logto's `isStrictlyPartial`, else 422 `localization.invalid_translation_structure`).

    python scripts/phrase_keys.py path/to/logto/packages/phrases-experience/src/locales/en
"""

from __future__ import annotations

import json
import re
import sys
from pathlib import Path
from typing import Any

OUT = Path(__file__).resolve().parent.parent / "src" / "authkeep" / "domain" / "phrase_keys.json"
_TOKEN = re.compile(
    r"""\s+|//[^\n]*|/\*.*?\*/|'(?:\\.|[^'\\])*'|"(?:\\.|[^"\\])*"|`(?:\\.|[^`\\])*`|[A-Za-z_$][\w$]*|\.\.\.|[{}:,()\[\]]|[^\s]""",
    re.DOTALL,
)


def _tokens(text: str) -> list[str]:
    return [t for t in _TOKEN.findall(text) if t.strip() and not t.startswith(("//", "/*"))]


def _is_string(token: str) -> bool:
    return token[:1] in "'\"`"


def _object(tokens: list[str], pos: int, imports: dict[str, Any]) -> tuple[dict[str, Any], int]:
    assert tokens[pos] == "{", tokens[pos : pos + 5]
    pos += 1
    tree: dict[str, Any] = {}
    while tokens[pos] != "}":
        key = tokens[pos]
        key = key[1:-1] if _is_string(key) else key
        if tokens[pos + 1] in (",", "}"):  # shorthand: an imported part
            tree[key] = imports[key]
            pos += 1
        else:
            assert tokens[pos + 1] == ":", tokens[pos : pos + 5]
            pos += 2
            if tokens[pos] == "{":
                tree[key], pos = _object(tokens, pos, imports)
            elif _is_string(tokens[pos]):
                tree[key] = 1
                pos += 1
                while tokens[pos] not in (",", "}"):  # string concatenation
                    pos += 1
            else:
                tree[key] = imports[tokens[pos]]
                pos += 1
        if tokens[pos] == ",":
            pos += 1
    return tree, pos + 1


def parse(path: Path) -> dict[str, Any]:
    text = path.read_text(encoding="utf-8")
    imports = {
        name: parse((path.parent / rel).with_suffix(".ts"))
        for name, rel in re.findall(r"^import (\w+) from '(\./[^']+)\.js';", text, re.MULTILINE)
    }
    tokens = _tokens(text)
    start = tokens.index("=", tokens.index("const")) + 1
    tree, _ = _object(tokens, start, imports)
    return tree


def main() -> None:
    folder = Path(sys.argv[1])
    tree = parse(folder / "index.ts")["translation"]
    OUT.write_text(json.dumps(tree, sort_keys=True, separators=(",", ":")) + "\n")
    print(f"wrote {OUT}")


if __name__ == "__main__":
    main()
