"""Console admin accounts from the command line: `authkeep admin create|reset-password`, and the
first admin that `authkeep bootstrap` (and a first `authkeep serve`) creates."""

from __future__ import annotations

import argparse
import re

from sqlalchemy.exc import IntegrityError

from authkeep import ids
from authkeep.config import Settings
from authkeep.console import auth, store
from authkeep.store.db import Database

DEFAULT_USERNAME = "admin"
_USERNAME = re.compile(r"^[A-Za-z0-9_.@+-]{1,128}$")


def _username(value: str) -> str:
    if not _USERNAME.match(value):
        raise argparse.ArgumentTypeError("a username is 1 to 128 letters, digits or _ . @ + -")
    return value


def _password(value: str) -> str:
    if len(value) < 8:
        raise argparse.ArgumentTypeError("a password has at least 8 characters")
    return value


async def create(settings: Settings, username: str, password: str | None) -> str:
    """Returns the password (generated when none is given). Raises ValueError if taken."""
    password = password or ids.standard_secret(24)
    db = Database(settings.database_url)
    try:
        async with db.write() as conn:
            if await store.find_admin(conn, username):
                raise ValueError(f"console admin '{username}' already exists")
            await store.insert_admin(conn, username, auth.hash_password(password))
    finally:
        await db.dispose()
    return password


async def reset_password(settings: Settings, username: str, password: str | None) -> str:
    password = password or ids.standard_secret(24)
    db = Database(settings.database_url)
    try:
        async with db.write() as conn:
            admin = await store.find_admin(conn, username)
            if admin is None:
                raise ValueError(f"no console admin '{username}'")
            await store.set_password(conn, admin.id, auth.hash_password(password))
    finally:
        await db.dispose()
    return password


async def first_admin(settings: Settings) -> None:
    """Create `admin` with a generated password if the console has no admin yet; say how to sign in."""
    db = Database(settings.database_url)
    password = None
    try:
        async with db.write() as conn:
            existing = await store.count_admins(conn)
            if existing == 0:
                password = ids.standard_secret(24)
                await store.insert_admin(conn, DEFAULT_USERNAME, auth.hash_password(password))
    except IntegrityError:  # another instance created it at the same moment
        password = None
    finally:
        await db.dispose()
    where = f"{settings.endpoint}/console"
    if password:
        print(f"authkeep: created console admin '{DEFAULT_USERNAME}' — sign in at {where}")
        print(f"  Username: {DEFAULT_USERNAME}")
        print(f"  Password: {password}")
    else:
        print(f"authkeep: console at {where} (add an admin: `authkeep admin create --username NAME`)")


def add_parser(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    admin = sub.add_parser("admin", help="manage console admin accounts")
    actions = admin.add_subparsers(dest="admin_command", required=True)
    for name, text in (("create", "create a console admin"), ("reset-password", "set a new password")):
        cmd = actions.add_parser(name, help=text)
        cmd.add_argument("--username", required=True, type=_username)
        cmd.add_argument("--password", type=_password, help="at least 8 characters; generated and printed when omitted")


async def run(settings: Settings, args: argparse.Namespace) -> int:
    try:
        if args.admin_command == "create":
            password = await create(settings, args.username, args.password)
            print(f"authkeep: created console admin '{args.username}' — sign in at {settings.endpoint}/console")
        else:
            password = await reset_password(settings, args.username, args.password)
            print(f"authkeep: new password set for console admin '{args.username}'")
    except ValueError as exc:
        print(f"authkeep: {exc}")
        return 1
    if not args.password:
        print(f"  Password: {password}")
    return 0
