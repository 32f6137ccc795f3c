"""`authkeep users import | export`: the arguments (the work is in `users_transfer`, imported only
when the command runs: it loads every API router). docs/bulk-users.md."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Any

from authkeep.config import Settings
from authkeep.state import DEFAULT_TENANT


def add_parser(sub: Any) -> None:
    users = sub.add_parser("users", help="bulk import and export of users")
    verbs = users.add_subparsers(dest="users_command", required=True)
    imp = verbs.add_parser("import", help="create users from a JSONL or CSV file (resumable)")
    imp.add_argument("file", type=Path)
    imp.add_argument("--format", choices=["jsonl", "csv"], help="default: from the file name (.csv or JSONL)")
    imp.add_argument("--batch-size", type=int, default=1000, help="users per transaction (default 1000)")
    imp.add_argument("--progress-file", type=Path, help="default: FILE.progress next to the file")
    imp.add_argument("--restart", action="store_true", help="ignore the progress file and start at line 1")
    imp.add_argument("--errors", type=Path, help="also write failed lines as JSONL {line, code, message}")
    imp.add_argument("--quiet", action="store_true", help="no progress bar")
    # One tenant today; a `--tenant` option belongs with multi-tenant hosting (issue 19).
    imp.set_defaults(tenant=DEFAULT_TENANT)
    exp = verbs.add_parser("export", help="write every user as JSONL or CSV (no secrets)")
    exp.add_argument("--format", choices=["jsonl", "csv"], default="jsonl")
    exp.add_argument("--out", type=Path, help="default: standard output")
    exp.add_argument("--with-password-hashes", action="store_true", help="add passwordDigest and passwordAlgorithm")
    exp.add_argument("--quiet", action="store_true", help="no progress bar")
    exp.set_defaults(tenant=DEFAULT_TENANT)


def run(settings: Settings, args: argparse.Namespace) -> int:
    from authkeep import users_transfer

    return users_transfer.run(settings, args)
