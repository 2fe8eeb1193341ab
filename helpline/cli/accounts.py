"""`helpline accounts add | list | remove`: who may log in to the console."""

from __future__ import annotations

import os
import sys
from pathlib import Path
from typing import Annotated

import typer
from rich.console import Console

from helpline.console.accounts import Accounts, Role
from helpline.errors import ConfigError
from helpline.settings import accounts_path_from

app = typer.Typer(no_args_is_help=True, help="Console accounts: staff and operators.")
out = Console(highlight=False, soft_wrap=True)


def accounts_path() -> Path:
    """HELPLINE_ACCOUNTS, or accounts.yaml in the working directory: the same rule as the web."""
    return accounts_path_from(os.environ)


@app.command()
def add(
    name: Annotated[str, typer.Argument(help="Staff: the name in the on-call roster.")],
    role: Annotated[
        Role, typer.Option("--role", help="staff, or operator (adds the studio).")
    ] = Role.STAFF,
    password_stdin: Annotated[
        bool, typer.Option("--password-stdin", help="Read the password from standard input.")
    ] = False,
) -> None:
    """Add an account, or set a new role and password for an existing one."""
    if password_stdin:
        password = sys.stdin.readline().rstrip("\n")
    else:
        password = typer.prompt("Password", hide_input=True, confirmation_prompt=True)
    path = accounts_path()
    accounts = Accounts.load(path)
    existed = accounts.get(name) is not None
    accounts.with_account(name, role, password).save()
    out.print(f"{'updated' if existed else 'added'} {name.strip()} ({role.value}) in {path}")


@app.command("list")
def list_accounts() -> None:
    """The accounts, with their roles (never their hashes)."""
    accounts = Accounts.load(accounts_path())
    for account in accounts.all():
        out.print(f"{account.name}\t{account.role.value}")
    if not accounts.all():
        out.print(f"no accounts in {accounts.path}")


@app.command()
def remove(name: Annotated[str, typer.Argument(help="The account to remove.")]) -> None:
    """Remove an account; its sessions stop working at their next request."""
    accounts = Accounts.load(accounts_path())
    if accounts.get(name) is None:
        raise ConfigError(f"no account named {name!r} in {accounts.path}", variable="NAME")
    accounts.without(name).save()
    out.print(f"removed {name}")
