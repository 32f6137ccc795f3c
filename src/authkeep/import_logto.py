"""`authkeep import-logto --from postgresql://… [--tenant NAME]`: the arguments, the progress bar
and the report (the work is in domain/logto_import.py; docs/import-logto.md)."""

from __future__ import annotations

import argparse
import asyncio
import sys
from typing import Any

from authkeep.config import Settings
from authkeep.state import DEFAULT_TENANT


def add_parser(sub: Any) -> None:
    imp = sub.add_parser("import-logto", help="bring a Logto 1.x tenant over from its PostgreSQL database")
    imp.add_argument("--from", dest="source", required=True, metavar="URL",
                     help="Logto's database, postgresql://user:password@host:port/database (read only)")  # fmt: skip
    imp.add_argument("--tenant", default=DEFAULT_TENANT,
                     help="the Logto tenant to read, written to the authkeep tenant of the same name (default: default)")  # fmt: skip
    imp.add_argument("--quiet", action="store_true", help="no progress bar")


def run(settings: Settings, args: argparse.Namespace) -> int:
    try:
        return asyncio.run(_run(settings, args))
    except KeyboardInterrupt:
        print("\nauthkeep: interrupted; every committed batch stays. Run the same command again to carry on.",
              file=sys.stderr)  # fmt: skip
        return 130


async def _run(settings: Settings, args: argparse.Namespace) -> int:
    import asyncpg
    from sqlalchemy.exc import SQLAlchemyError
    from tqdm import tqdm

    from authkeep.domain.logto_import import Importer
    from authkeep.logto_source import LogtoSource, SourceError, redacted
    from authkeep.secretbox import SecretBox
    from authkeep.store.seed import seed_tenant

    try:
        source = await LogtoSource.open(args.source, args.tenant)
    except SourceError as exc:
        print(f"authkeep: {exc}", file=sys.stderr)
        return 2
    db = settings.database()
    box = SecretBox(settings.secret_key, settings.old_secret_keys)
    try:
        bar = tqdm(total=0, unit="rows", disable=args.quiet, file=sys.stderr, ascii=True, mininterval=0.5, ncols=80)
        importer = Importer(db, box, source, args.tenant, bar.update)
        try:
            async with db.write() as conn:
                await seed_tenant(conn, args.tenant, box)
            bar.total = await importer.planned()
            bar.refresh()
            report = await importer.run()
        except (SQLAlchemyError, asyncpg.PostgresError, asyncpg.InterfaceError, OSError) as exc:
            bar.close()
            where = f" while importing {importer.current}" if importer.current else ""
            print(f"authkeep: the import stopped{where}: {type(exc).__name__}: {str(exc).splitlines()[0] if str(exc) else ''}\n"
                  "Every batch committed before stays; run the same command again to carry on.", file=sys.stderr)  # fmt: skip
            return 1
        bar.close()
    finally:
        await source.close()
        await db.dispose()
    print(f"authkeep: imported Logto tenant {args.tenant!r} from {redacted(args.source)}")
    _print(report)
    return 0


def _print(report: Any) -> None:
    width = max((len(n) for n in report.outcomes), default=10)
    for name, o in report.outcomes.items():
        if not (o.imported or o.present or o.matched or o.skipped):
            continue
        parts = [f"{o.imported} imported", f"{o.present} already present"]
        if o.matched:
            parts.append(f"{o.matched} matched an existing one by name")
        if o.skipped:
            parts.append(f"{sum(o.skipped.values())} skipped")
        print(f"  {name:<{width}}  " + ", ".join(parts))
        for reason, count in o.skipped.items():
            print(f"      skipped {count}: {reason} (e.g. {', '.join(o.examples[reason])})")
    for name, count, why in report.not_imported:
        print(f"  {name:<{width}}  {count} not imported: {why}")
    present = sum(o.present + o.matched for o in report.outcomes.values())
    skipped = sum(sum(o.skipped.values()) for o in report.outcomes.values())
    print(f"authkeep: {report.imported} rows imported, {present} already present, {skipped} skipped")
    if report.imported == 0:
        print("authkeep: nothing new to import")
