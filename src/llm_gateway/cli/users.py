"""``llm-gateway create-admin`` and ``llm-gateway users <action>`` (access and tier changes).

Changes are committed to the database and announced through the store, so running gateways
that share the same Redis drop their cached view of the user within a second. With the
in-process store a separate CLI process cannot reach the server's memory: there the change
takes effect when the server's cache entry expires (``LLMGW_SECURITY__API_KEY_CACHE_TTL_S``).
"""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from collections.abc import Awaitable, Callable
from typing import Any

from llm_gateway.core.config import Settings, load_settings
from llm_gateway.core.database import create_engine, create_session_factory, session_scope
from llm_gateway.core.exceptions import ConflictError, InvalidRequestError
from llm_gateway.core.store import create_store
from llm_gateway.models.user import normalize_email
from llm_gateway.repositories import users as users_repo
from llm_gateway.services.auth import accounts, admin
from llm_gateway.services.auth.runtime import AuthRuntime

_ACTIONS: dict[str, dict[str, Any]] = {
    "promote": {"role": "admin"},
    "demote": {"role": "user"},
    "deactivate": {"is_active": False},
    "activate": {"is_active": True},
}


def register(sub: Any) -> None:
    create = sub.add_parser("create-admin", help="create an admin account")
    create.add_argument("--email", required=True)
    create.add_argument(
        "--password-stdin",
        action="store_true",
        help="read the password from standard input (else LLMGW_AUTH__ADMIN_PASSWORD or a prompt)",
    )
    create.set_defaults(handler=_create_admin)

    users: argparse.ArgumentParser = sub.add_parser("users", help="manage user accounts")
    users_sub = users.add_subparsers(dest="users_command", required=True)
    for action in _ACTIONS:
        parser = users_sub.add_parser(action, help=f"{action} a user")
        parser.add_argument("--email", required=True)
        parser.set_defaults(handler=_change_user, action=action)
    set_tier = users_sub.add_parser("set-tier", help="move a user to a configured quota tier")
    set_tier.add_argument("--email", required=True)
    set_tier.add_argument("--tier", required=True, help="a tier name from the quota settings")
    set_tier.set_defaults(handler=_change_user, action="set-tier")


async def _with_runtime(settings: Settings, work: Callable[[AuthRuntime], Awaitable[str]]) -> str:
    engine = create_engine(settings.database)
    store = create_store(settings.store)
    auth = AuthRuntime.create(settings, store, create_session_factory(engine))
    try:
        return await work(auth)
    finally:
        await auth.aclose()  # waits for the invalidation publish
        await store.close()
        await engine.dispose()


def _read_password(args: argparse.Namespace, settings: Settings) -> str:
    if args.password_stdin:
        return sys.stdin.readline().rstrip("\r\n")
    if settings.auth.admin_password is not None:
        return settings.auth.admin_password.get_secret_value()
    if not sys.stdin.isatty():
        raise InvalidRequestError(
            "no password: set LLMGW_AUTH__ADMIN_PASSWORD, pass --password-stdin or use a terminal"
        )
    first = getpass.getpass("Password: ")
    if getpass.getpass("Repeat password: ") != first:
        raise InvalidRequestError("passwords do not match")
    return first


def _create_admin(args: argparse.Namespace) -> int:
    settings = load_settings()
    password = _read_password(args, settings)

    async def work(auth: AuthRuntime) -> str:
        async with session_scope(auth.session_factory) as session:
            existing = await users_repo.get_by_email(session, normalize_email(args.email))
            if existing is not None and existing.role == "admin":
                return f"admin {existing.email} already exists (id {existing.id})"
            if existing is not None:
                raise ConflictError(
                    f"{existing.email} exists as a regular user; use 'llm-gateway users promote'"
                )
            user = await accounts.create_user(
                session, auth, email=args.email, password=password, role="admin"
            )
            return f"created admin {user.email} (id {user.id})"

    sys.stdout.write(asyncio.run(_with_runtime(settings, work)) + "\n")
    return 0


def _change_user(args: argparse.Namespace) -> int:
    settings = load_settings()
    changes = {"tier": args.tier} if args.action == "set-tier" else _ACTIONS[args.action]

    async def work(auth: AuthRuntime) -> str:
        async with session_scope(auth.session_factory) as session:
            user = await admin.find_user_by_email(session, args.email)
            user = await admin.set_user_access(session, auth, user.id, **changes)
            state = "active" if user.is_active else "deactivated"
            return f"{user.email}: role={user.role} tier={user.tier} {state}"

    sys.stdout.write(asyncio.run(_with_runtime(settings, work)) + "\n")
    return 0
