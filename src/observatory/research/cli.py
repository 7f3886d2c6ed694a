"""``observatory research``: the scheduled reminder of grants about to end."""

from __future__ import annotations

import click


def register(main: click.Group) -> None:
    @main.group()
    def research() -> None:
        """Research access grants."""

    @research.command("remind")
    @click.option("--days", default=30, show_default=True,
                  type=click.IntRange(1, 365), help="Remind grants ending within this many days.")
    def remind(days: int) -> None:
        """Tell the holders of grants ending within DAYS (once per grant): an entry in the
        application's history and the audit log. Run it daily, e.g. from cron."""
        from ..cli import _django

        _django()
        from .services import remind_expiring

        reminded = remind_expiring(days)
        for grant in reminded:
            click.echo(f"{grant.reference} ends {grant.ends.isoformat()}: holders reminded")
        click.echo(f"{len(reminded)} grant(s) reminded.")
