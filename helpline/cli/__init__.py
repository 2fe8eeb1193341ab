"""The `helpline` command. Every failure exits non-zero with one clear line on stderr."""

from __future__ import annotations

import os
import sys

import redis
import typer

from helpline.cli import accounts, flows, meetings, oncall, privacy, run
from helpline.errors import FlowProblems, HelplineError

app = typer.Typer(
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_enable=False,
    help="SMS and voice helpline routing for addiction recovery.",
)
app.command()(run.serve)
app.command()(run.worker)
app.command()(run.dev)
app.add_typer(accounts.app, name="accounts")
app.add_typer(flows.app, name="flows")
app.add_typer(meetings.app, name="meetings")
app.add_typer(oncall.app, name="oncall")
app.add_typer(privacy.app, name="privacy")
app.add_typer(privacy.blocklist_app, name="blocklist")


def main() -> None:
    try:
        app()
    except FlowProblems as exc:
        for problem in exc.problems:
            print(f"{problem}", file=sys.stderr)
        print(
            f"error: {len(exc.problems)} problem(s) in the flows; nothing started", file=sys.stderr
        )
        sys.exit(1)
    except HelplineError as exc:
        print(f"error: {exc}", file=sys.stderr)
        sys.exit(1)
    except KeyboardInterrupt:
        sys.exit(130)
    except redis.exceptions.ConnectionError as exc:
        print(f"error: REDIS_URL: cannot reach Redis ({exc})", file=sys.stderr)
        sys.exit(1)
    except Exception as exc:  # an operator gets one line; HELPLINE_DEBUG=1 shows the traceback
        if os.environ.get("HELPLINE_DEBUG") == "1":
            raise
        print(
            f"error: unexpected {type(exc).__name__}: {exc} (HELPLINE_DEBUG=1 shows where)",
            file=sys.stderr,
        )
        sys.exit(1)
