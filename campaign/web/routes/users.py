"""The admins' pages: the users (add, change a role, reset a password, remove), all through
:class:`campaign.users.store.UserStore` with the admin as the actor, and the audit log for
approvers and admins. A refused change is said in one sentence on the users page itself."""

from __future__ import annotations

from starlette.concurrency import run_in_threadpool
from starlette.exceptions import HTTPException
from starlette.requests import Request
from starlette.responses import RedirectResponse, Response
from starlette.routing import BaseRoute, Route

from campaign.errors import CampaignError
from campaign.users.roles import ROLES, Action
from campaign.users.store import User, UserNotFound
from campaign.web import i18n
from campaign.web.auth import require
from campaign.web.forms import Fields, page_number, read_form
from campaign.web.render import problem_status, render
from campaign.web.words import role_name

DONE = "users_done"  # the session's note of the last change, shown once


async def _page(request: Request, *, error: str = "", status: int = 200,
                form: dict[str, str] | None = None) -> Response:
    users = await run_in_threadpool(request.app.state.stores.users.users)
    done = request.session.pop(DONE, "") if not error else ""
    return render(request, "users.html", {"users": users, "roles": [r.value for r in ROLES],
                                          "error": error, "done": done,
                                          "form": form or {"name": "", "role": "editor"}},
                  status=status)


async def users_page(request: Request) -> Response:
    """Every user: name, role, last sign-in, and the forms to change them."""
    await require(request, Action.MANAGE_USERS)
    return await _page(request)


def _password(fields: Fields) -> str:
    password = fields.all("password")[:1]
    again = fields.all("password2")[:1]
    if password != again:
        raise CampaignError("the two passwords differ: type the same password twice")
    return password[0] if password else ""


async def _change(request: Request, change: str) -> Response:
    """Do one change with the admin as the actor; back to the list with a note, or the list
    again with the refusal's sentence."""
    admin = await require(request, Action.MANAGE_USERS)
    fields = await read_form(request)
    store = request.app.state.stores.users
    name = request.path_params.get("name", "")
    try:
        if change == "add":
            user: User = await run_in_threadpool(
                lambda: store.add(fields.get("name"), fields.get("role"), _password(fields),
                                  actor=admin.name))
            note = i18n.gettext("%(name)s was added as %(role)s.", name=user.name,
                                role=role_name(user.role))
        elif change == "role":
            user = await run_in_threadpool(
                lambda: store.set_role(name, fields.get("role"), actor=admin.name))
            note = i18n.gettext("%(name)s is now %(role)s.", name=user.name,
                                role=role_name(user.role))
        elif change == "password":
            user = await run_in_threadpool(
                lambda: store.reset_password(name, _password(fields), actor=admin.name))
            note = i18n.gettext("The password of %(name)s was reset; their sessions ended.",
                                name=user.name)
        else:
            user = await run_in_threadpool(lambda: store.remove(name, actor=admin.name))
            note = i18n.gettext("%(name)s was removed; they can no longer sign in.",
                                name=user.name)
    except UserNotFound as exc:
        raise HTTPException(404) from exc
    except CampaignError as exc:
        form = {"name": fields.get("name"), "role": fields.get("role") or "editor"} \
            if change == "add" else None
        return await _page(request, error=exc.message, status=problem_status(exc),
                           form=form)
    request.session[DONE] = note
    return RedirectResponse("/users", status_code=303)


async def add_user(request: Request) -> Response:
    """Add a user: name, role, and a password typed twice."""
    return await _change(request, "add")


async def set_role(request: Request) -> Response:
    """Give a user another role."""
    return await _change(request, "role")


async def reset_password(request: Request) -> Response:
    """Give a user a new password (typed twice); their sessions end."""
    return await _change(request, "password")


async def remove_user(request: Request) -> Response:
    """Remove a user; they can no longer sign in (the log still names them)."""
    return await _change(request, "remove")


async def audit_page(request: Request) -> Response:
    """The audit log, newest first, by page, narrowed to a user and a kind of object."""
    await require(request, Action.APPROVE)
    from campaign.users.log_view import log_page

    page = page_number(request)
    shown = await run_in_threadpool(
        lambda: log_page(request.app.state.stores.users,
                         actor=request.query_params.get("user", ""),
                         kind=request.query_params.get("kind", ""), page=page))
    return render(request, "audit.html", {"log": shown})


ROUTES: list[BaseRoute] = [
    Route("/users", users_page, methods=["GET"], name="users"),
    Route("/users", add_user, methods=["POST"]),
    Route("/users/{name:path}/role", set_role, methods=["POST"]),
    Route("/users/{name:path}/reset-password", reset_password, methods=["POST"]),
    Route("/users/{name:path}/remove", remove_user, methods=["POST"]),
    Route("/audit", audit_page, name="audit"),
]
