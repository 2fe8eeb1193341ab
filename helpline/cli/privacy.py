"""`helpline privacy forget | rotate | new-key` and `helpline blocklist add | remove | list`."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Annotated

import typer
from cryptography.fernet import Fernet
from rich.console import Console
from rich.table import Table

from helpline import keys
from helpline.blocking import BLOCKED_BY_CLI, block_number
from helpline.blocklist import Blocklist
from helpline.erasure import PRIVACY_AUDIT_MAX, SCAN_COUNT, forget
from helpline.errors import FlowProblems
from helpline.privacy import NumberVault
from helpline.runtime import build_runtime, connect_redis
from helpline.settings import Settings, e164

app = typer.Typer(no_args_is_help=True, help="Callers' data: forget one, rotate the number key.")
blocklist_app = typer.Typer(
    no_args_is_help=True, help="Numbers whose texts reach no flow and no one."
)


def _settings() -> Settings:
    return Settings.from_environ(sandbox_allowed=True)


@app.command("forget")
def forget_command(
    number: Annotated[str, typer.Argument(help="The caller's number, in any usual form.")],
) -> None:
    """Remove everything the helpline holds about one caller (kept nowhere else)."""
    settings = _settings()
    erasure = forget(
        connect_redis(settings), settings.secret_key, e164(number, "NUMBER"), datetime.now(UTC)
    )
    if not erasure.total:
        typer.echo("Nothing was held about that number.")
        return
    for kind, count in sorted(erasure.removed.items()):
        typer.echo(f"removed {count} {kind}")
    typer.echo("The erasure is recorded (by count only) in the privacy audit.")


@app.command("rotate")
def rotate_command() -> None:
    """Re-encrypt every held number with the first key of HELPLINE_NUMBER_KEYS."""
    settings = _settings()
    redis = connect_redis(settings)
    vault = NumberVault(settings.number_keys, settings.secret_key)
    resealed = unreadable = 0
    for key in redis.scan_iter(match=keys.number("*"), count=SCAN_COUNT):
        token = redis.get(key)
        if token is None:
            continue
        fresh = vault.reseal(token)
        if fresh is None:
            unreadable += 1  # sealed with a key no longer configured: it cannot be used
            continue
        ttl = redis.pttl(key)
        redis.set(key, fresh, px=ttl if ttl > 0 else None)
        resealed += 1
    redis.xadd(
        keys.privacy_audit(),
        {
            "event": "rotated",
            "at": datetime.now(UTC).isoformat(timespec="seconds"),
            "resealed": str(resealed),
            "unreadable": str(unreadable),
        },
        maxlen=PRIVACY_AUDIT_MAX,
        approximate=True,
    )
    typer.echo(f"re-encrypted {resealed} number(s) with the newest key")
    if unreadable:
        typer.echo(f"{unreadable} could not be opened by any configured key", err=True)


@app.command("new-key")
def new_key_command() -> None:
    """Print a new key for HELPLINE_NUMBER_KEYS (put it first; keep the old one until rotate)."""
    typer.echo(Fernet.generate_key().decode())


@blocklist_app.command("add")
def block_command(
    number: Annotated[str, typer.Argument(help="The number to block.")],
    note: Annotated[str, typer.Option(help="Why, for other operators.")] = "",
) -> None:
    """Texts from this number reach neither the flow nor staff; now and then they get where to
    find help (988, 911, the 24/7 line). Its calls go straight to the 24/7 line, never staff."""
    settings = _settings()
    normalised = e164(number, "NUMBER")
    try:
        runtime = build_runtime(settings)  # to close the caller's open escalation, if any
    except FlowProblems as exc:
        # A broken flows folder must not stop a block: the pager and the ladder close an
        # escalation whose caller is blocked instead of paging for it.
        entry = Blocklist(connect_redis(settings), settings.secret_key).add(
            normalised, note, datetime.now(UTC)
        )
        typer.echo(f"blocked {entry.shown}")
        typer.echo(
            f"note: the flows folder has problems ({exc.problems[0]}), so an open escalation "
            "for this caller closes at its next step rather than now",
            err=True,
        )
        return
    entry = block_number(runtime, normalised, note, BLOCKED_BY_CLI)
    typer.echo(f"blocked {entry.shown}")


@blocklist_app.command("remove")
def unblock_command(number: Annotated[str, typer.Argument(help="The number to unblock.")]) -> None:
    settings = _settings()
    removed = Blocklist(connect_redis(settings), settings.secret_key).remove(e164(number, "NUMBER"))
    typer.echo("unblocked" if removed else "that number was not blocked")


@blocklist_app.command("list")
def list_command() -> None:
    settings = _settings()
    table = Table("number", "since", "note")
    for entry in Blocklist(connect_redis(settings), settings.secret_key).entries():
        table.add_row(entry.shown, entry.since, entry.note)
    Console().print(table)
