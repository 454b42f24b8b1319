"""The HTML share kit: one page per language, every post grouped by month, with copy buttons and
share links that open a pre-filled composer on X, Bluesky or Mastodon (no account needed here).

Each page is wholly in its language: interface, month and date names, audience names and posts.
The first language (``--lang``'s first, else the campaign's) gets the file asked for, e.g.
``share-kit.html``; each other one ``share-kit-<lang>.html``; the pages link to each other by
language name. Images are copied to ``images/`` beside the pages (see ``images.py``).

The page is rendered in the sandboxed environment with autoescape: every value is escaped; share
links are built with urllib's quoting.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any, NamedTuple
from urllib.parse import quote

from campaign.atomic import atomic_open, check_destination
from campaign.content.render import RenderedPost
from campaign.content.schedule import Schedule
from campaign.exporters.grouping import Card, months
from campaign.exporters.images import copy_images, image_name, kit_src, post_image
from campaign.platforms.registry import display_name

# Everything a reader sees on the page, in each language the kit is written in; a campaign
# language without its own entry here gets the English interface (its posts and dates stay in it).
UI: dict[str, dict[str, str]] = {
    "en": {"copy": "Copy", "copied": "Copied", "share": "Share on", "language": "Language",
           "audience": "Audience", "all": "All", "instance": "Your Mastodon server",
           "intro": "Ready-to-share posts. Choose who you are, copy a post or open it in your "
                    "network's composer.",
           "part": "Part {number} of {total}",
           "thread": "A thread of {total} posts: publish each part as a reply to the one before.",
           "networks": "For {networks}",
           "image": "Image to attach to the first post",
           "download": "Download the image",
           "alt": "Image description (alt text), to paste with the image",
           "copy_alt": "Copy the description",
           "empty": "No post to share."},
    "fr": {"copy": "Copier", "copied": "Copié", "share": "Partager sur", "language": "Langue",
           "audience": "Public", "all": "Tous", "instance": "Votre serveur Mastodon",
           "intro": "Des publications prêtes à partager. Choisissez qui vous êtes, copiez une "
                    "publication ou ouvrez-la dans votre réseau.",
           "part": "Partie {number} sur {total}",
           "thread": "Un fil de {total} publications\u00a0: publiez chaque partie en réponse "
                     "à la précédente.",
           "networks": "Pour {networks}",
           "image": "Image à joindre à la première publication",
           "download": "Télécharger l’image",
           "alt": "Description de l’image (texte alternatif), à coller avec l’image",
           "copy_alt": "Copier la description",
           "empty": "Aucune publication à partager."},
    "es": {"copy": "Copiar", "copied": "Copiado", "share": "Compartir en", "language": "Idioma",
           "audience": "Público", "all": "Todos", "instance": "Su servidor de Mastodon",
           "intro": "Publicaciones listas para compartir. Elija quién es usted, copie una "
                    "publicación o ábrala en su red.",
           "part": "Parte {number} de {total}",
           "thread": "Un hilo de {total} publicaciones: publique cada parte como respuesta a "
                     "la anterior.",
           "networks": "Para {networks}",
           "image": "Imagen para adjuntar a la primera publicación",
           "download": "Descargar la imagen",
           "alt": "Descripción de la imagen (texto alternativo), para pegar con la imagen",
           "copy_alt": "Copiar la descripción",
           "empty": "Ninguna publicación para compartir."},
}
FALLBACK_UI = "en"
SHARE_URLS = {
    "x": "https://x.com/intent/post?text={text}",
    "bluesky": "https://bsky.app/intent/compose?text={text}",
    "mastodon": "https://{instance}/share?text={text}",
}
DEFAULT_MASTODON = "mastodon.social"


class Page(NamedTuple):
    """One page of the share kit: its language, its file and how many posts it holds."""

    language: str
    path: Path
    posts: int


def share_url(network: str, text: str, instance: str = DEFAULT_MASTODON) -> str:
    """The address of a composer pre-filled with ``text`` on ``network``."""
    return SHARE_URLS[network].format(text=quote(text, safe=""), instance=instance)


def language_name(code: str) -> str:
    """The language's name in itself, capitalised (Español, Français, English); else the code."""
    from babel import Locale, UnknownLocaleError

    try:
        name = Locale.parse(code).get_display_name(code) or code
    except (ValueError, UnknownLocaleError):
        return code
    return name[:1].upper() + name[1:]


def page_languages(posts: Sequence[RenderedPost], schedule: Schedule, locale: str = "") -> list[str]:
    """The languages of the pages: ``locale`` first, then the others in the campaign's order."""
    present = {p.language for p in posts}
    order = list(schedule.campaign.languages)
    ordered = [lang for lang in order if lang in present]
    ordered += sorted(present - set(order))
    if locale in ordered:
        ordered.remove(locale)
        ordered.insert(0, locale)
    if not ordered:
        ordered = [locale or order[0]]
    return ordered


def plan_pages(posts: Sequence[RenderedPost], schedule: Schedule, out: Path, *,
               locale: str = "") -> list[Page]:
    """The pages :func:`write_html` writes for ``posts``: ``out`` first, ``<stem>-<lang>`` after."""
    out = Path(out)
    pages = []
    for index, lang in enumerate(page_languages(posts, schedule, locale)):
        path = out if index == 0 else out.with_name(f"{out.stem}-{lang}{out.suffix}")
        pages.append(Page(lang, path, sum(1 for p in posts if p.language == lang)))
    return pages


def _versions(card: Card, ui: dict[str, str]) -> list[dict[str, Any]]:
    """The card's texts, once for the networks whose parts are the same, each part shareable."""
    groups: dict[tuple[str, ...], list[str]] = {}
    for network, post in card.by_network.items():
        groups.setdefault(post.parts, []).append(network)
    versions = []
    for parts, networks in groups.items():
        total = len(parts)
        versions.append({
            "networks": networks,
            "label": ui["networks"].format(networks=", ".join(display_name(n) for n in networks))
            if len(groups) > 1 else "",
            "thread": ui["thread"].format(total=total) if total > 1 else "",
            "parts": [{
                "label": ui["part"].format(number=number, total=total) if total > 1 else "",
                "text": text,
                # a network a plugin adds has no composer address to share to
                "shares": [{"network": n, "name": display_name(n), "url": share_url(n, text)}
                           for n in networks if n in SHARE_URLS],
            } for number, text in enumerate(parts, start=1)],
        })
    return versions


def _image(card: Card, base: Path) -> dict[str, Any] | None:
    for post in card.by_network.values():
        image = post_image(post)
        if image is not None:
            name = image_name(image, base)
            return {"src": kit_src(name), "file": Path(name).name, "alt": image.get("alt", ""),
                    "width": image.get("width"), "height": image.get("height")}
    return None


def _sections(posts: Sequence[RenderedPost], schedule: Schedule, lang: str,
              ui: dict[str, str]) -> list[dict[str, Any]]:
    from babel.dates import format_date

    base = schedule.path.parent
    sections = []
    for (year, month), cards in months(posts):
        heading = format_date(date(year, month, 1), "LLLL yyyy", locale=lang)
        rows = []
        for card in cards:
            post = card.first
            audience = schedule.audience_by_id.get(post.audience)
            rows.append({
                "lang": post.language, "audience": post.audience, "title": post.title,
                "when": format_date(post.due.date(), "long", locale=lang),
                "time": post.due.strftime("%H:%M"), "timezone": post.timezone,
                "audience_name": (audience.name.get(lang) if audience else None) or post.audience,
                "image": _image(card, base),
                "versions": _versions(card, ui),
            })
        sections.append({"heading": heading[:1].upper() + heading[1:], "cards": rows})
    return sections


def write_html(posts: Sequence[RenderedPost], schedule: Schedule, out: Path, *, locale: str = "") -> None:
    """Write the share kit, one page per language (:func:`plan_pages`), and copy its images."""
    import jinja2

    from campaign.content.sandbox import environment

    pages = plan_pages(posts, schedule, out, locale=locale)
    for page in pages:  # a page that cannot be written is refused before any image is copied
        check_destination(page.path)
    copy_images(posts, schedule.path.parent, Path(out).parent)
    env = environment(jinja2.PackageLoader("campaign.exporters", "."), autoescape=True,
                      trim_blocks=True, lstrip_blocks=True)
    template = env.get_template("sharekit.html.j2")
    camp = schedule.campaign
    menu = [{"lang": p.language, "name": language_name(p.language), "href": p.path.name}
            for p in pages]
    for page in pages:
        lang = page.language
        ui = UI.get(lang, UI[FALLBACK_UI])
        mine = [p for p in posts if p.language == lang]
        html = template.render(
            lang=lang, ui_lang=lang if lang in UI else FALLBACK_UI, ui=ui,
            hashtag=camp.hashtag, campaign_name=camp.name.get(lang) or camp.hashtag,
            organiser=camp.organiser_in(lang), site=camp.site, site_domain=camp.site_domain,
            contact=camp.contact, menu=menu if len(pages) > 1 else [],
            sections=_sections(mine, schedule, lang, ui),
            audiences=[{"id": a.id, "name": a.name.get(lang) or a.id} for a in schedule.audiences
                       if any(p.audience == a.id for p in mine)],
            default_instance=DEFAULT_MASTODON,
        )
        with atomic_open(page.path) as handle:
            handle.write(html)
