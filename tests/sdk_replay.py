"""Logto's recorded HTTP exchanges (../shared/logto-reference/observed-*.txt) as replayable replies.

The files are transcripts: `=== title ===` sections holding a raw `HTTP/1.1 …` response
(status line, headers, blank line, body). Some bodies are elided ("(body: 2 users)") or absent;
`users_pages()` rebuilds those from the full list recorded in the same file. Placeholders such as
`<access-token>` stay as they are: to the SDK a token is an opaque string.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from tests.sdk_http import Reply

SHARED = Path(__file__).resolve().parent.parent.parent / "shared"
REFERENCE = SHARED / "logto-reference"
PROBE = REFERENCE / "observed-probe.txt"
ERRORS = REFERENCE / "observed-errors.txt"

_SECTION = re.compile(r"^=== (.+?) ===$", re.MULTILINE)
_STATUS = re.compile(r"^HTTP/1\.1 (\d{3}) ?(.*)$")


@dataclass(frozen=True)
class Recording:
    """One recorded Logto response."""

    key: str  # "5", "6b", "E4d", …
    title: str
    status: int
    reason: str
    headers: tuple[tuple[str, str], ...]
    body: str

    def header_values(self, name: str) -> list[str]:
        return [v for k, v in self.headers if k.lower() == name.lower()]

    def json(self) -> Any:
        return json.loads(self.body)

    def reply(self, body: str | None = None) -> Reply:
        """The response as recorded (Content-Length recomputed), optionally with another body."""
        return Reply(
            self.status, self.body if body is None else body, list(self.headers), self.reason
        )


def available() -> bool:
    return PROBE.exists() and ERRORS.exists()


def parse(text: str) -> dict[str, Recording]:
    """Every section of a transcript that holds an HTTP response, by its key."""
    recordings: dict[str, Recording] = {}
    matches = list(_SECTION.finditer(text))
    for index, match in enumerate(matches):
        title = match.group(1)
        end = matches[index + 1].start() if index + 1 < len(matches) else len(text)
        lines = text[match.end() : end].strip("\n").split("\n")
        start = next((i for i, line in enumerate(lines) if _STATUS.match(line)), None)
        if start is None:
            continue
        status_match = _STATUS.match(lines[start])
        assert status_match is not None
        headers: list[tuple[str, str]] = []
        cursor = start + 1
        while cursor < len(lines) and lines[cursor].strip():
            name, _, value = lines[cursor].partition(":")
            headers.append((name.strip(), value.strip()))
            cursor += 1
        body = "\n".join(lines[cursor + 1 :]).strip()
        key = title.split(".", 1)[0].strip()
        recordings[key] = Recording(
            key,
            title,
            int(status_match.group(1)),
            status_match.group(2).strip(),
            tuple(headers),
            body,
        )
    return recordings


def load() -> dict[str, Recording]:
    """Recordings of both files: probe keys ("1", "5", "6b", …) and error keys ("E1", …)."""
    return {**parse(PROBE.read_text()), **parse(ERRORS.read_text())}


def users_pages(recordings: dict[str, Recording]) -> tuple[Reply, Reply]:
    """Replies for `GET /api/users?page=1&page_size=2` and `page=2` (sections 6 and 6b).

    Their bodies were not recorded in full; section 5 holds all three users in the server's
    order (newest first), so the pages are its first two and its last one.
    """
    everyone = recordings["5"].json()
    first = recordings["6"].reply(json.dumps(everyone[:2]))
    second = recordings["6b"].reply(json.dumps(everyone[2:]))
    return first, second
