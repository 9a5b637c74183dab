"""`hub token create|list|revoke`: API tokens for the national centre, provinces and evaluators."""

from __future__ import annotations

import click

from hub.auth import audit
from hub.auth.tokens import ROLES, TokenError, create_token, list_tokens, parse_expiry, revoke_token, utc
from hub.cli._output import echo_table
from hub.config import Registry
from hub.store.db import open_store
from hub.store.migrate import upgrade


def _store():
    store = open_store()
    upgrade(store)
    return store


def _audit(store, action, target, detail):
    with store.write() as conn:
        audit.record(
            conn, actor=audit.cli_actor(), role="admin", action=action, network=detail.get("network"), target=target, detail=detail
        )


@click.group()
def token():
    """Create, list and revoke API tokens (every write to the hub needs one)."""


@token.command("create")
@click.option("--role", type=click.Choice(ROLES), required=True, help="admin (national centre), publisher (one network) or evaluator.")
@click.option("--network", help="The one network a publisher may write (6-digit code).")
@click.option("--label", help="Who holds it, for the list (e.g. 'Guangdong platform, ops team').")
@click.option(
    "--expires", metavar="90d|12h|2w|YYYY-MM-DD", help="When the token stops working (from then on: 401 'expired'). Default: never."
)
def create(role, network, label, expires):
    """Create a token and print it ONCE: only its hash is stored."""
    if network is not None:
        registry = Registry.load()
        if network not in registry:
            raise click.UsageError(f"network {network} is not in the registry (conf/networks.yaml)")
        if role == "publisher" and registry.get(network).pulled:
            # The hub harvests a pulled network itself; pushed batches would compete with its harvests.
            raise click.UsageError(
                f"network {network} is harvested by the hub (family {registry.get(network).family}); "
                "a publisher token is only for networks that push (family push)"
            )
    try:
        expires_at = parse_expiry(expires) if expires else None
    except TokenError as exc:
        raise click.UsageError(str(exc)) from None
    store = _store()
    try:
        info, secret = create_token(store, role, network, label=label, created_by=audit.cli_actor(), expires_at=expires_at)
    except TokenError as exc:
        raise click.UsageError(str(exc)) from None
    _audit(
        store,
        "token.create",
        info.id,
        {"role": role, "network": network, "label": label, "expires_at": expires_at.isoformat() if expires_at else None},
    )
    click.echo(secret)
    until = f", expires {expires_at:%Y-%m-%d %H:%M} UTC" if expires_at else ""
    click.echo(
        f"token {info.id}: role {role}{' for network ' + network if network else ''}{until}. "
        "Keep it now: it is shown only this once and cannot be recovered.",
        err=True,
    )


@token.command("list")
@click.option("--active", is_flag=True, help="Leave out revoked and expired tokens.")
def list_(active):
    """List tokens by id (never their secrets)."""
    rows = [
        [
            t.id,
            t.role,
            t.network or "",
            t.label or "",
            f"{t.created_at:%Y-%m-%d %H:%M}",
            f"{t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else "",
            f"{utc(t.expires_at):%Y-%m-%d %H:%M}" if t.expires_at else "never",
            f"revoked {t.revoked_at:%Y-%m-%d %H:%M}" if t.revoked_at else ("active" if t.active else "expired"),
        ]
        for t in list_tokens(_store(), include_revoked=not active)
        if t.active or not active
    ]
    echo_table(["id", "role", "network", "label", "created", "last used", "expires", "state"], rows)


@token.command("revoke")
@click.argument("token_id")
def revoke(token_id):
    """Revoke a token by its id; it is refused (401) from the next request on."""
    store = _store()
    try:
        info = revoke_token(store, token_id)
    except TokenError as exc:
        # The id named on the command line is wrong: a usage error (2), as an unknown network code is.
        raise click.UsageError(str(exc)) from None
    _audit(store, "token.revoke", token_id, {"role": info.role, "network": info.network})
    click.echo(f"token {token_id} revoked")


COMMANDS = [token]
