"""A network module that fails on import, as one whose dependency is not installed does."""

import campaign_broken_dependency_not_installed  # noqa: F401

platform = None
