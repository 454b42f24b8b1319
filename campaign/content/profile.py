"""The sender's profile: who is posting, given on the command line or in a small YAML file."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field, fields, replace
from pathlib import Path

from campaign.errors import CampaignError, ScheduleError
from campaign.platforms.handles import HandleError, check_handle
from campaign.platforms.registry import is_network
from campaign.text.networks import NETWORKS

_TEXT_FIELDS = ("name", "handle", "site", "pledge_title")
_HANDLE_KEYS = tuple(f"handle_{n}" for n in NETWORKS)
KEYS = (*_TEXT_FIELDS, *_HANDLE_KEYS)


@dataclass(frozen=True)
class Profile:
    """Who sends the posts; every field is a string, empty when not given."""

    name: str = ""
    handle: str = ""
    site: str = ""
    pledge_title: str = ""
    handles: Mapping[str, str] = field(default_factory=dict)

    def for_network(self, network: str) -> NetworkProfile:
        """The view a template sees: the handle is the one for this network when there is one."""
        return NetworkProfile(
            name=self.name, handle=self.handles.get(network) or self.handle,
            site=self.site, pledge_title=self.pledge_title,
        )

    def with_values(self, values: Mapping[str, str], source: str) -> Profile:
        """A copy with ``values`` applied; an unknown key names the accepted ones."""
        changes: dict[str, str] = {}
        handles = dict(self.handles)
        for key, value in values.items():
            if key in _HANDLE_KEYS or (key.startswith("handle_") and is_network(key[7:])):
                network = key.removeprefix("handle_")
                if value:  # empty: this network uses the general handle
                    try:
                        check_handle(network, value)
                    except HandleError as exc:
                        raise CampaignError(f"{source}: profile key '{key}': {exc.message}") \
                            from None
                handles[network] = value
            elif key in _TEXT_FIELDS:
                changes[key] = value
            else:
                raise CampaignError(
                    f"{source}: unknown profile key '{key}': use one of {', '.join(KEYS)}"
                )
        return replace(self, handles=handles, **changes)

    def as_dict(self) -> dict[str, object]:
        """Plain data for JSON output."""
        data: dict[str, object] = {f.name: getattr(self, f.name) for f in fields(self)}
        data["handles"] = dict(self.handles)
        return data


@dataclass(frozen=True)
class NetworkProfile:
    """The profile as one network's template sees it."""

    name: str
    handle: str
    site: str
    pledge_title: str

    @property
    def mention(self) -> str:
        """The handle as a post mentions it, with its ``@`` (``@ilo.bsky.social``); "" without one."""
        if not self.handle:
            return ""
        return self.handle if self.handle.startswith("@") else f"@{self.handle}"


def parse_vars(pairs: Iterable[str]) -> dict[str, str]:
    """Turn ``key=value`` strings from ``--var`` into a dict, refusing one without ``=``."""
    from campaign.text.escape import CONTROL

    values: dict[str, str] = {}
    for pair in pairs:
        key, sep, value = pair.partition("=")
        if not sep or not key.strip():
            raise CampaignError(f"--var '{pair}' is not key=value: write e.g. --var name=\"ILO\"")
        found = CONTROL.search(pair)
        if found:
            raise CampaignError(f"--var {key.strip()!r} contains control character "
                                f"U+{ord(found.group()):04X}: remove it")
        values[key.strip()] = value.strip()
    return values


def load_profile(path: Path | None = None, pairs: Iterable[str] = (), *,
                 max_bytes: int | None = None) -> Profile:
    """A profile from an optional YAML file, then ``--var`` pairs on top of it.

    The file is bounded like a schedule: ``max_bytes``, else ``CAMPAIGN_MAX_FILE_BYTES``, else 5 MB.
    """
    profile = Profile()
    if path is not None:
        from campaign.content.yamlsource import load_yaml

        loaded = load_yaml(path, max_bytes)
        data = {} if loaded.data is None else loaded.data
        if not isinstance(data, dict) or not all(
            isinstance(v, (str, int, float)) for v in data.values()
        ):
            raise ScheduleError(path, "a profile is a mapping of keys to text, e.g. name: ILO")
        for key, value in data.items():  # one at a time, so a refusal names its line
            line = loaded.lines.get((str(key),))
            profile = profile.with_values({str(key): str(value)},
                                          f"{path}:{line}" if line else str(path))
    return profile.with_values(parse_vars(pairs), "--var")
