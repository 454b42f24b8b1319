"""Copy the screenshots the browser tests took into docs/screenshots/, where the README shows
them: every ``<name>.png`` a test kept with ``tests.web.conftest.screenshot`` (the named ones,
not the numbered ``screenshot-N.png`` every page test leaves). Run after the web browser tests:

    .venv/bin/pytest tests/web -k browser && .venv/bin/python tools/readme_shots.py

The SQLite run's picture is taken when both backends made one (they show the same page).
"""

from __future__ import annotations

import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SHOTS = ROOT / "test-artifacts" / "screenshots"
OUT = ROOT / "docs" / "screenshots"
DASHBOARD = {"test_flow_browser", "test_review_browser", "test_queue_browser", "test_calendar_browser",
             "test_pledges_browser", "test_tracking_browser"}


def main() -> int:
    """Copy each named screenshot once; say what was copied."""
    OUT.mkdir(parents=True, exist_ok=True)
    chosen: dict[str, Path] = {}
    for path in sorted(SHOTS.glob("test_*/*/*.png")):
        # the dashboard's: the other pages (kit, report, story) are files the README shows already
        if path.name.startswith("screenshot-") or path.parts[-3] not in DASHBOARD:
            continue
        # test folders end with [sqlite] or [postgresql]: prefer SQLite's
        if path.stem not in chosen or "sqlite" in path.parent.name:
            chosen[path.stem] = path
    for name, path in sorted(chosen.items()):
        shutil.copyfile(path, OUT / f"{name}.png")
        print(f"{name}.png  <- {path.relative_to(ROOT)}")
    return 0 if chosen else 1


if __name__ == "__main__":
    sys.exit(main())
