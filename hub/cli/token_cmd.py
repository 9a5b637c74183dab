"""`hub token create|list|revoke`: API tokens for the national centre, provinces and evaluators."""

from __future__ import annotations

import click

from hub.auth import audit
from hub.auth.tokens import ROLES, TokenError, create_token, list_tokens, revoke_token
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
        audit.record(conn, actor=audit.cli_actor(), role="admin", action=action, network=detail.get("network"), target=target, detail=detail)


@click.group()
def token():
    """Create, list and revoke API tokens (every write to the hub needs one)."""


@token.command("create")
@click.option("--role", type=click.Choice(ROLES), required=True, help="admin (national centre), publisher (one network) or evaluator.")
@click.option("--network", help="The one network a publisher may write (6-digit code).")
@click.option("--label", help="Who holds it, for the list (e.g. 'Guangdong platform, ops team').")
def create(role, network, label):
    """Create a token and print it ONCE: only its hash is stored."""
    if network is not None and network not in Registry.load():
        raise click.UsageError(f"network {network} is not in the registry (conf/networks.yaml)")
    store = _store()
    try:
        info, secret = create_token(store, role, network, label=label, created_by=audit.cli_actor())
    except TokenError as exc:
        raise click.UsageError(str(exc)) from None
    _audit(store, "token.create", info.id, {"role": role, "network": network, "label": label})
    click.echo(secret)
    click.echo(f"token {info.id}: role {role}{' for network ' + network if network else ''}. "
               "Keep it now: it is shown only this once and cannot be recovered.", err=True)


@token.command("list")
@click.option("--active", is_flag=True, help="Leave out revoked tokens.")
def list_(active):
    """List tokens by id (never their secrets)."""
    rows = [[t.id, t.role, t.network or "", t.label or "", f"{t.created_at:%Y-%m-%d %H:%M}",
             f"{t.last_used_at:%Y-%m-%d %H:%M}" if t.last_used_at else "", f"revoked {t.revoked_at:%Y-%m-%d %H:%M}" if t.revoked_at else "active"]
            for t in list_tokens(_store(), include_revoked=not active)]
    echo_table(["id", "role", "network", "label", "created", "last used", "state"], rows)


@token.command("revoke")
@click.argument("token_id")
def revoke(token_id):
    """Revoke a token by its id; it is refused (401) from the next request on."""
    store = _store()
    try:
        info = revoke_token(store, token_id)
    except TokenError as exc:
        raise click.ClickException(str(exc)) from None
    _audit(store, "token.revoke", token_id, {"role": info.role, "network": info.network})
    click.echo(f"token {token_id} revoked")


COMMANDS = [token]
