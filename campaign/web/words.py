"""Names the pages show for values the library stores in English (a post's status, a role, a
pledge's status, a traffic light): each is a gettext message, so Babel extracts it and every
catalog must translate it."""

from __future__ import annotations

from campaign.web.i18n import gettext as _


def status_name(status: str) -> str:
    """A queued post's status, in the request's language."""
    names = {"draft": _("draft"), "approved": _("approved"), "scheduled": _("scheduled"),
             "publishing": _("publishing"), "published": _("published"), "failed": _("failed"),
             "missed": _("missed"), "cancelled": _("cancelled"), "deleted": _("deleted")}
    return names.get(str(status), str(status))


def role_name(role: str) -> str:
    """A user's role, in the request's language."""
    names = {"viewer": _("viewer"), "editor": _("editor"), "approver": _("approver"),
             "admin": _("admin")}
    return names.get(str(role), str(role))


def pledge_status_name(status: str) -> str:
    """A pledge's status, in the request's language."""
    names = {"draft": _("draft pledge"), "submitted": _("submitted"), "accepted": _("accepted"),
             "withdrawn": _("withdrawn"), "fulfilled": _("fulfilled")}
    return names.get(str(status), str(status))


def light_name(light: str) -> str:
    """A pledge's traffic light, in the request's language (the reports' own words for it)."""
    from campaign.reports.labels import label
    from campaign.web.i18n import language

    return label(f"light_{light}", language())
