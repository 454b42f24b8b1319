"""The images of exported posts: their name relative to the schedule, copies beside a share kit,
and their public address for the bulk-upload tools that take one.

One rule names an image everywhere: its path relative to the schedule file's folder (e.g.
``media/world-day-2021.png``). The JSON exports carry that name (never a path of this machine),
the share kit copies the file to ``images/<name>`` beside its page, and Buffer's ``Image URL`` is
``<--media-url>/<name>``, so uploading the kit's ``images/`` folder to that address makes every
link work.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Iterable
from pathlib import Path, PurePosixPath
from typing import Any
from urllib.parse import quote, urlsplit

from campaign.atomic import write_bytes
from campaign.content.media import MAX_BYTES
from campaign.content.render import RenderedPost
from campaign.errors import CampaignError, ExportError

IMAGE_FOLDER = "images"


class MediaUrlError(CampaignError):
    """``--media-url`` is not an http(s) address the upload tools could fetch images from."""

    def __init__(self, given: str) -> None:
        super().__init__(f"--media-url '{given}' is not an http:// or https:// address: give the "
                         "public address of the folder the kit's images/ are uploaded to, e.g. "
                         "https://example.org/kit/images")


def post_image(post: RenderedPost) -> dict[str, Any] | None:
    """The image of the post's first part (a ``RenderedPost.media`` dict of type image), if it has one."""
    return next((m for m in post.media if m.get("type") == "image"), None)


def image_name(image: dict[str, Any], base: Path | None) -> str:
    """The image's path relative to ``base`` (the schedule's folder), or its file name alone."""
    path = Path(str(image["path"]))
    if base is not None:
        try:
            return path.resolve().relative_to(base.resolve()).as_posix()
        except ValueError:  # outside the schedule's folder: never reveal where it lives
            pass
    return path.name


def media_records(post: RenderedPost, base: Path | None) -> list[dict[str, Any]]:
    """The post's image and link card as plain data, with no absolute path of this machine."""
    records: list[dict[str, Any]] = []
    for item in post.media:
        if item.get("type") == "image":
            records.append({"type": "image", "file": image_name(item, base),
                            "mime": item.get("mime"), "width": item.get("width"),
                            "height": item.get("height"), "alt": item.get("alt", "")})
        else:
            records.append({k: v for k, v in item.items() if k != "path"})
    return records


def check_media_url(base: str | None) -> str | None:
    """``base`` without its trailing slash when it is an http(s) address; MediaUrlError if not."""
    if base is None or base == "":
        return None
    value = base.strip()
    try:
        parts = urlsplit(value)
    except ValueError:
        raise MediaUrlError(base) from None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc \
            or any(c.isspace() or ord(c) < 32 for c in value):
        raise MediaUrlError(base)
    return value.rstrip("/")


def image_url(media_url: str, name: str) -> str:
    """The public address of the image named ``name`` under ``media_url``."""
    return media_url + "/" + quote(name, safe="/")


def kit_src(name: str) -> str:
    """The address of a copied image relative to the share kit page."""
    return quote(f"{IMAGE_FOLDER}/{name}", safe="/")


def copy_images(posts: Iterable[RenderedPost], base: Path, folder: Path) -> list[Path]:
    """Copy every image of ``posts`` into ``folder/images/<name>``; each copy is whole or absent."""
    wanted: dict[str, Path] = {}
    for post in posts:
        image = post_image(post)
        if image is not None:
            wanted.setdefault(image_name(image, base), Path(str(image["path"])))
    if wanted and not folder.is_dir():  # never create the folder the page itself cannot go in
        raise ExportError(f"{folder}: the folder does not exist: create it or choose another --out")
    written: list[Path] = []
    for name, source in wanted.items():
        relative = PurePosixPath(name)
        if relative.is_absolute() or ".." in relative.parts:  # image_name never gives one
            raise ExportError(f"image '{name}': refusing to copy outside {folder / IMAGE_FOLDER}")
        target = folder.joinpath(IMAGE_FOLDER, *relative.parts)
        _copy(source, target)
        written.append(target)
    return written


def _read(source: Path) -> bytes:
    # O_NONBLOCK and the fstat check: a file swapped for a pipe since validation never hangs us
    fd = os.open(source, os.O_RDONLY | os.O_NONBLOCK | getattr(os, "O_CLOEXEC", 0))
    with os.fdopen(fd, "rb") as handle:
        if not stat.S_ISREG(os.fstat(fd).st_mode):
            raise OSError(0, "not a regular file")
        return handle.read(MAX_BYTES + 1)


def _copy(source: Path, target: Path) -> None:
    try:
        data = _read(source)
    except OSError as exc:
        raise ExportError(f"image {source.name}: cannot read it ({exc.strerror}); run "
                          "'campaign validate' and fix the entry's image") from None
    if len(data) > MAX_BYTES:
        raise ExportError(f"image {source.name}: grew past {MAX_BYTES:,} bytes since the "
                          "schedule was checked: make it smaller")
    try:
        if target.is_file() and target.stat().st_size == len(data) and target.read_bytes() == data:
            return
        target.parent.mkdir(parents=True, exist_ok=True)
    except OSError as exc:
        raise ExportError(f"{target.parent}: cannot write the image {target.name} "
                          f"({exc.strerror})") from None
    try:
        write_bytes(target, data)
    except OSError as exc:
        raise ExportError(f"{target}: cannot write the image ({exc.strerror})") from None
