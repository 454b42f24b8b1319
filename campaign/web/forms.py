"""Reading what a browser sent: form fields as text, bounded, and numbers and ids refused with
a sentence rather than a traceback."""

from __future__ import annotations

from collections.abc import Sequence

from starlette.requests import Request

from campaign.errors import CampaignError
from campaign.web.security import MAX_FIELDS

__all__ = ["MAX_FIELDS", "Fields", "page_number", "read_form"]


class Fields:
    """A submitted form's fields (every value text; a repeated field keeps all its values)."""

    def __init__(self, items: Sequence[tuple[str, str]]) -> None:
        self._items = list(items)

    def get(self, name: str, default: str = "") -> str:
        """The field's first value, stripped of surrounding space."""
        for key, value in self._items:
            if key == name:
                return value.strip()
        return default

    def all(self, name: str) -> list[str]:
        """Every value of a repeated field (checkboxes)."""
        return [v for k, v in self._items if k == name]

    def ids(self, name: str) -> list[int]:
        """A repeated field of ids (the selected posts); a non-number is refused."""
        from campaign.queue.editing import post_ids

        return post_ids(self.all(name))

    def as_dict(self) -> dict[str, str]:
        """Every field's first value."""
        out: dict[str, str] = {}
        for key, value in self._items:
            out.setdefault(key, value)
        return out


async def read_form(request: Request) -> Fields:
    """The request's form fields (the guard has bounded the body and checked its CSRF token)."""
    form = await request.form(max_files=0, max_fields=MAX_FIELDS)
    items: list[tuple[str, str]] = []
    for key, value in form.multi_items():
        if not isinstance(value, str):
            raise CampaignError("files cannot be sent with this form")
        items.append((key, value))
    return Fields(items)


def page_number(request: Request, name: str = "page") -> int:
    """A ``?page=`` number: 1 when absent; a word or a number out of bounds is refused."""
    text = request.query_params.get(name, "1")
    if not text.isdigit() or not 1 <= int(text) <= 1_000_000:
        raise CampaignError(f"{name} must be a page number, got {text[:20]!r}")
    return int(text)
