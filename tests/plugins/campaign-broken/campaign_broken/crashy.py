"""A network that loads but whose publisher cannot be made: its factory reads a secret that its
credential fields do not name (a plugin's own bug)."""

from typing import Any

from campaign.platforms.registry import Platform, character_rule


def _publisher(handle: str, secrets: Any, base_url: str, timeout: float,
               settings: dict[str, Any]) -> Any:
    return secrets["api_key"]  # KeyError: only "token" is asked for


platform = Platform(name="crashy", display_name="Crashy", measure=character_rule("crashy", 500),
                    publisher=_publisher, credential_fields=(("token",),))
