"""A single self-contained HTML share kit: every post grouped by month, with copy buttons and
share links that open a pre-filled composer on X, Bluesky or Mastodon (no account needed here).

Every value is escaped by Jinja's autoescape; share links are built with urllib's quoting.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from pathlib import Path
from urllib.parse import quote

from campaign.atomic import atomic_open
from campaign.exporters.grouping import months
from campaign.render import Post
from campaign.schedule import Schedule

UI = {
    "en": {"copy": "Copy", "copied": "Copied", "share": "Share on", "language": "Language",
           "audience": "Audience", "all": "All", "instance": "Your Mastodon server",
           "intro": "Ready-to-share posts. Pick your language and who you are, copy a post or "
                    "open it in your network's composer."},
    "fr": {"copy": "Copier", "copied": "Copié", "share": "Partager sur", "language": "Langue",
           "audience": "Public", "all": "Tous", "instance": "Votre serveur Mastodon",
           "intro": "Des publications prêtes à partager. Choisissez votre langue et qui vous "
                    "êtes, copiez une publication ou ouvrez-la dans votre réseau."},
    "es": {"copy": "Copiar", "copied": "Copiado", "share": "Compartir en", "language": "Idioma",
           "audience": "Público", "all": "Todos", "instance": "Su servidor de Mastodon",
           "intro": "Publicaciones listas para compartir. Elija su idioma y quién es usted, "
                    "copie una publicación o ábrala en su red."},
}
SHARE_URLS = {
    "x": "https://x.com/intent/post?text={text}",
    "bluesky": "https://bsky.app/intent/compose?text={text}",
    "mastodon": "https://{instance}/share?text={text}",
}
DEFAULT_MASTODON = "mastodon.social"


def share_url(network: str, text: str, instance: str = DEFAULT_MASTODON) -> str:
    """The address of a composer pre-filled with ``text`` on ``network``."""
    return SHARE_URLS[network].format(text=quote(text, safe=""), instance=instance)


def write_html(posts: Sequence[Post], schedule: Schedule, out: Path, *, locale: str = "") -> None:
    """Write the share kit; labels are in ``locale`` (default: the campaign's first language)."""
    import jinja2
    from babel.dates import format_date

    locale = locale if locale in UI else schedule.campaign.languages[0]
    locale = locale if locale in UI else "en"
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("campaign.exporters", "."),
        autoescape=True, undefined=jinja2.StrictUndefined, trim_blocks=True, lstrip_blocks=True,
    )
    sections = []
    for (year, month), cards in months(posts):
        heading = format_date(date(year, month, 1), "LLLL yyyy", locale=locale).capitalize()
        rows = []
        for card in cards:
            post = card.first
            text = "\n\n".join(post.parts)
            rows.append({
                "post": post, "text": text,
                "when": format_date(post.due.date(), "long", locale=locale),
                "audience_name": schedule.audience_by_id[post.audience].name.get(locale)
                or post.audience,
                "shares": [(n, share_url(n, p.parts[0]), p.parts[0])
                           for n, p in card.by_network.items()],
            })
        sections.append({"heading": heading, "cards": rows})
    page = env.get_template("sharekit.html.j2").render(
        campaign=schedule.campaign, ui=UI[locale], sections=sections, locale=locale,
        languages=sorted({p.language for p in posts}),
        audiences=[a for a in schedule.audiences if any(p.audience == a.id for p in posts)],
        default_instance=DEFAULT_MASTODON,
    )
    with atomic_open(out) as handle:
        handle.write(page)
