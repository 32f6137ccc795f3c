"""`authkeep serve | migrate | bootstrap | admin | users | import-logto`."""

from __future__ import annotations

import argparse
import asyncio
import logging
import logging.config
import os
import sys

from authkeep import import_logto, metrics, reqlog, users_cli
from authkeep.config import Settings, load_settings
from authkeep.console import admins
from authkeep.secretbox import SecretBox
from authkeep.state import DEFAULT_TENANT
from authkeep.store import bootstrap as boot
from authkeep.store import locks
from authkeep.store.migrate import migrate
from authkeep.store.seed import seed_tenant


async def prepare(settings: Settings) -> None:
    """Migrate and seed; safe to run from several instances at once."""
    if settings.is_sqlite:
        path = settings.database_url.split("///", 1)[-1]
        if path and path != ":memory:":
            os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    db = settings.database()
    box = SecretBox(settings.secret_key, settings.old_secret_keys)
    try:
        await migrate(db)
        async with db.write() as conn:
            await seed_tenant(conn, DEFAULT_TENANT, box)
            if settings.bootstrap_client_id and settings.bootstrap_client_secret:
                await boot.ensure_app(
                    conn, DEFAULT_TENANT, box, settings.bootstrap_client_id, settings.bootstrap_client_secret
                )
    finally:
        await db.dispose()


async def bootstrap(settings: Settings, announce_existing: bool) -> None:
    db = settings.database()
    box = SecretBox(settings.secret_key, settings.old_secret_keys)
    try:
        async with db.write() as conn:
            await locks.hold_setup(conn)
            existing = await boot.marked_app(conn, DEFAULT_TENANT)
            if existing and not announce_existing:
                print(f"authkeep: bootstrap M2M app {existing} (run `authkeep bootstrap` to show its secret)")
                return
            app_id, secret, created = await boot.ensure_app(conn, DEFAULT_TENANT, box)
    finally:
        await db.dispose()
    word = "created" if created else "existing"
    print(f"authkeep: {word} bootstrap M2M app holding 'Logto Management API access'")
    print(f"  App ID:     {app_id}")
    print(f"  App secret: {secret}")
    print(f"  Token:      curl -u {app_id}:<secret> -d grant_type=client_credentials "
          f"-d resource=https://default.logto.app/api -d scope=all {settings.endpoint}/oidc/token")


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="authkeep", description="Logto-compatible identity server")
    sub = parser.add_subparsers(dest="command", required=True)
    serve = sub.add_parser("serve", help="migrate, seed and serve HTTP")
    serve.add_argument("--host")
    serve.add_argument("--port", type=int)
    serve.add_argument("--workers", type=int)
    sub.add_parser("migrate", help="apply database migrations and seed the default tenant")
    sub.add_parser("bootstrap", help="create or print the bootstrap M2M app and the first console admin")
    admins.add_parser(sub)
    users_cli.add_parser(sub)
    import_logto.add_parser(sub)
    return parser


def main(argv: list[str] | None = None) -> int:
    args = build_parser().parse_args(argv)
    logging.basicConfig(level=logging.INFO, format="%(levelname)s %(name)s: %(message)s")
    if args.command == "serve":
        # The issuer follows the port actually served unless AUTHKEEP_ENDPOINT pins it.
        if args.host:
            os.environ["AUTHKEEP_HOST"] = args.host
        if args.port:
            os.environ["AUTHKEEP_PORT"] = str(args.port)
    settings = load_settings()
    log_config = reqlog.logging_config(settings.log_format, settings.log_level)
    if args.command == "serve":
        logging.config.dictConfig(log_config)

    if args.command == "migrate":
        asyncio.run(prepare(settings))
        print("authkeep: database is up to date")
        return 0
    if args.command == "bootstrap":
        asyncio.run(prepare(settings))
        asyncio.run(bootstrap(settings, announce_existing=True))
        asyncio.run(admins.first_admin(settings))
        return 0
    if args.command == "admin":
        asyncio.run(prepare(settings))
        return asyncio.run(admins.run(settings, args))
    if args.command == "users":
        asyncio.run(prepare(settings))
        return users_cli.run(settings, args)
    if args.command == "import-logto":
        asyncio.run(prepare(settings))
        return import_logto.run(settings, args)

    asyncio.run(prepare(settings))
    if not (settings.bootstrap_client_id and settings.bootstrap_client_secret):
        asyncio.run(bootstrap(settings, announce_existing=False))
        asyncio.run(admins.first_admin(settings))
    import uvicorn

    from authkeep.hooks import deliverer
    from authkeep.httpserver import Protocol

    host, port = settings.host, settings.port
    workers = args.workers or settings.workers
    os.environ.setdefault("AUTHKEEP_ENDPOINT", settings.endpoint)
    os.environ.setdefault("AUTHKEEP_SECRET_KEY", settings.secret_key)
    # Several workers share their metrics through files (authkeep.metrics): a fresh directory per server.
    metrics_dir = metrics.make_multiproc_dir() if workers > 1 else None
    delivery = deliverer.spawn()
    try:
        uvicorn.run(
            "authkeep.asgi:app",
            host=host,
            port=port,
            workers=workers,
            loop="uvloop",
            http=Protocol,
            log_level=settings.log_level,
            log_config=log_config,  # applied again in every worker
            access_log=False,  # authkeep writes its own (AUTHKEEP_ACCESS_LOG, with the request id)
            proxy_headers=True,
            forwarded_allow_ips=settings.forwarded_allow_ips,
            # A worker that does not answer uvicorn's ping in time is killed and respawned (default 5 s):
            # on a busy host a worker still importing authkeep missed it, forever.
            timeout_worker_healthcheck=30,
        )
    finally:
        delivery.stop()
        if metrics_dir is not None:
            metrics.remove_multiproc_dir(metrics_dir)
    return 0


if __name__ == "__main__":
    sys.exit(main())
