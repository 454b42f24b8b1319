"""The campaign's other hashtags, which templates name by role (``campaign.hashtags.labour_day``).

A schedule writes them as a mapping of role to hashtag, so a template says which hashtag it
means rather than where it sits in a list; a plain list still works (by position,
``campaign.hashtags[0]``), and a mapping answers positions too, so templates written for a list
keep working. A role a template names that the schedule does not define is an error naming the
role and the roles there are, never an empty string in a post.
"""

from __future__ import annotations

import re
from collections.abc import Iterator, Mapping
from typing import TYPE_CHECKING

from campaign.errors import CampaignError

if TYPE_CHECKING:
    from pydantic import GetCoreSchemaHandler
    from pydantic_core import CoreSchema

HASHTAG = re.compile(r"^#\w+$")
ROLE = re.compile(r"^[a-z][a-z0-9_]{0,39}$")
MAX_HASHTAGS = 50  # a campaign uses a handful; a long list is a mistake
# what a template reads on the object itself: a role of that name could never be reached
_RESERVED = frozenset(("roles",))


class HashtagRoleError(CampaignError):
    """A template names a hashtag role (or position) that the schedule does not define."""

    def __init__(self, key: str | int, roles: tuple[str, ...], count: int) -> None:
        self.key = key
        known = ", ".join(roles)
        if isinstance(key, int):
            problem = f"uses hashtag number {key}, but campaign.hashtags has {count}"
            choices = f"name one of its roles ({known})" if roles else \
                "use a position the schedule has, or add hashtags to it"
        elif roles:
            problem = f"uses hashtag role '{key}', which campaign.hashtags does not define"
            choices = f"name one of its roles ({known}) or add '{key}' to the schedule"
        else:
            problem = f"uses hashtag role '{key}', but campaign.hashtags has no roles"
            choices = ("give the schedule's hashtags roles (hashtags: {role: \"#Tag\"}) or use "
                       "a position such as campaign.hashtags[0]")
        super().__init__(f"{problem}: {choices}")


class Hashtags:
    """The campaign's other hashtags in schedule order, each with its role when it has one."""

    __slots__ = ("_roles", "_tags")

    def __init__(self, tags: Mapping[str, str] | tuple[str, ...] | list[str] = ()) -> None:
        if isinstance(tags, Mapping):
            self._roles: tuple[str, ...] = tuple(tags)
            self._tags: tuple[str, ...] = tuple(tags.values())
        else:
            self._roles, self._tags = (), tuple(tags)

    @classmethod
    def parse(cls, value: object) -> Hashtags:
        """Hashtags from a schedule's value: a list of hashtags or a mapping of role to hashtag."""
        if isinstance(value, Hashtags):
            return value
        if isinstance(value, Mapping):
            pairs = list(value.items())
        elif isinstance(value, list | tuple):
            pairs = [(None, tag) for tag in value]
        else:
            raise ValueError("hashtags are a mapping of role to hashtag (labour_day: "
                             "\"#LabourDay\") or a list of hashtags")
        if len(pairs) > MAX_HASHTAGS:
            raise ValueError(f"{len(pairs)} hashtags: keep at most {MAX_HASHTAGS}")
        for role, tag in pairs:
            if role is not None and (not isinstance(role, str) or not ROLE.match(role)
                                     or role in _RESERVED):
                raise ValueError(f"'{role}' is not a hashtag role: use lowercase letters, digits "
                                 "and _ (at most 40, starting with a letter), e.g. labour_day"
                                 + (", and not 'roles'" if role in _RESERVED else ""))
            # fullmatch: '$' alone would take "#Tag\n", and post a line break with the tag
            if not isinstance(tag, str) or not HASHTAG.fullmatch(tag):
                shown = repr(tag[:60]) if isinstance(tag, str) else f"'{tag}'"
                raise ValueError(f"{shown} is not a hashtag: write it as #Word")
        if isinstance(value, Mapping):
            return cls({str(role): tag for role, tag in pairs})
        return cls([tag for _, tag in pairs])

    @property
    def roles(self) -> tuple[str, ...]:
        """The roles in schedule order; empty when the schedule lists hashtags without roles."""
        return self._roles

    def __getitem__(self, key: str | int) -> str:
        # raises HashtagRoleError, not KeyError: Jinja turns a KeyError into an undefined value,
        # whose message could not say which roles exist
        if isinstance(key, int) and not isinstance(key, bool):
            if -len(self._tags) <= key < len(self._tags):
                return self._tags[key]
        elif isinstance(key, str) and key in self._roles:
            return self._tags[self._roles.index(key)]
        elif isinstance(key, str) and key.startswith("_"):
            raise KeyError(key)  # no role: the sandbox refuses it as the private name it is
        raise HashtagRoleError(key, self._roles, len(self._tags))

    def __iter__(self) -> Iterator[str]:
        return iter(self._tags)

    def __len__(self) -> int:
        return len(self._tags)

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Hashtags):
            return NotImplemented
        return (self._roles, self._tags) == (other._roles, other._tags)

    def __hash__(self) -> int:
        return hash((self._roles, self._tags))

    def __repr__(self) -> str:
        return f"Hashtags({self.as_data()!r})"

    def as_data(self) -> dict[str, str] | list[str]:
        """As the schedule writes them: a mapping of role to hashtag, or a list."""
        return dict(zip(self._roles, self._tags, strict=True)) if self._roles else list(self._tags)

    @classmethod
    def __get_pydantic_core_schema__(cls, source: object,
                                     handler: GetCoreSchemaHandler) -> CoreSchema:
        """Read with :meth:`parse`, written back (JSON output) with :meth:`as_data`."""
        from pydantic_core import core_schema

        return core_schema.no_info_plain_validator_function(
            cls.parse,
            serialization=core_schema.plain_serializer_function_ser_schema(lambda h: h.as_data()),
        )
