"""The December story as one HTML page: the template ``templates/story.html.j2`` rendered in
the tool's one sandboxed Jinja environment, autoescaped, with its small script inlined and
allowed by a Content-Security-Policy hash computed here.

The page works from its file alone: CSS and the script are inline, charts are inline SVG (or a
``data:`` PNG), and the policy (``default-src 'none'``) lets nothing load from anywhere else.
Every value a template prints is text, escaped by Jinja; only the charts are inserted as
markup, after :func:`inline_svg` has checked they carry nothing active.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Mapping
from functools import cache
from importlib.resources import files
from typing import TYPE_CHECKING, Any

from markupsafe import Markup, escape

from campaign.pledges.models import PLEDGE_STATUSES
from campaign.pledges.progress import LIGHTS
from campaign.reports.story_labels import (
    amount,
    day_text,
    labels,
    month_name,
    number,
    short_day,
)

if TYPE_CHECKING:
    from campaign.reports.story import Chart, Closing, Highlight, PledgeProgress, Story, StoryMonth

REACH = ("potential_reach", "potential_impressions", "reported_impressions")
# what a chart drawn by our own plotting must never hold once inline in the page
_ACTIVE = re.compile(r"<\s*(script|foreignObject|iframe|object|embed|a\b|use\s[^>]*href\s*=\s*"
                     r"[\"'](?!#))|\son[a-z]+\s*=|javascript:", re.IGNORECASE)
_IDS = re.compile(r"""(\bid=["'])([^"']+)|(url\(#)([^)]+)|(href=["']#)([^"']+)""")


@cache
def script() -> str:
    """The page's own script, as inlined (its hash allows it and nothing else)."""
    return (files("campaign.reports") / "templates" / "story.js").read_text(encoding="utf-8")


def script_hash(text: str) -> str:
    """The CSP source allowing exactly this inline script: ``'sha256-…'``."""
    digest = base64.b64encode(hashlib.sha256(text.encode("utf-8")).digest()).decode("ascii")
    return f"'sha256-{digest}'"


def inline_svg(svg: str, alt: str, prefix: str) -> Markup | None:
    """The chart's SVG ready to sit in the page: from its ``<svg`` on, labelled by ``alt`` for
    screen readers (role img, aria-label, a title), its ids prefixed so that two charts never
    share one; None if it holds anything active (then it is shown as an image, which is inert).
    """
    start = svg.find("<svg")
    if start < 0 or _ACTIVE.search(svg):
        return None
    body = svg[start:]
    body = _IDS.sub(lambda m: "".join(part if i % 2 == 0 else f"{prefix}-{part}"
                                      for i, part in enumerate(g for g in m.groups()
                                                               if g is not None)), body)
    close = body.find(">")
    if close < 0:
        return None
    label = str(escape(alt))
    head = body[:close].rstrip("/")
    rest = body[close + 1:] if not body[:close + 1].endswith("/>") else "</svg>"
    return Markup(f'{head} role="img" aria-label="{label}" focusable="false">'
                  f"<title>{label}</title>{rest}")


def chart_view(chart: Chart | None, prefix: str) -> dict[str, Any] | None:
    """How the template shows a chart: inline SVG, else an image from a data: address."""
    if chart is None:
        return None
    if chart.mime == "image/svg+xml":
        svg = inline_svg(chart.data.decode("utf-8", "replace"), chart.alt, prefix)
        if svg is not None:
            return {"svg": svg, "alt": chart.alt, "title": chart.title, "src": ""}
    encoded = base64.b64encode(chart.data).decode("ascii")
    return {"svg": "", "alt": chart.alt, "title": chart.title,
            "src": f"data:{chart.mime};base64,{encoded}"}


def _lights(counts: Mapping[str, int], words: Mapping[str, str], lang: str,
            ) -> list[dict[str, Any]]:
    total = sum(counts.values())
    return [{"key": light, "text": _pair(words, words[light], counts.get(light, 0), lang),
             "width": f"{100 * counts.get(light, 0) / total:.2f}" if total else "0"}
            for light in LIGHTS if counts.get(light, 0)]


def _pair(words: Mapping[str, str], label: str, value: int, lang: str) -> str:
    # "label: value" rather than "3 replies": no plural to get wrong in any language
    return words["pair"].format(label=label, value=number(value, lang))


def _highlight(post: Highlight, words: Mapping[str, str], lang: str) -> dict[str, Any]:
    from campaign.platforms.registry import display_name

    return {"network": display_name(post.network), "author": post.author,
            "organisations": ", ".join(post.organisations), "text": post.text,
            "url": post.url, "day": day_text(post.created_at.date(), lang),
            "iso": post.created_at.date().isoformat(),
            "interactions": words["interactions"].format(n=number(post.engagement, lang))}


def _pledges(progress: PledgeProgress, words: Mapping[str, str], lang: str) -> dict[str, Any]:
    day = day_text(progress.day, lang)
    return {"figures": [_pair(words, words["submitted_month"], progress.submitted, lang),
                        _pair(words, words["made_by"].format(day=day), progress.total, lang)],
            "caption": words["lights_caption"].format(day=day),
            "lights": _lights(progress.lights, words, lang)}


def _month(month: StoryMonth, story: Story, words: Mapping[str, str]) -> dict[str, Any]:
    lang, tag = story.language, story.hashtag
    view: dict[str, Any] = {
        "anchor": month.anchor, "heading": month_name(month.start, lang),
        "future": month.future,
        "actions": [{"day": short_day(i.day, lang), "iso": i.day.isoformat(), "title": i.title,
                     "action": i.action, "audience": words.get(f"for_{i.audience}", "")}
                    for i in month.actions],
        "observances": [{"day": short_day(i.day, lang), "iso": i.day.isoformat(),
                         "title": i.title} for i in month.observances],
        "use": words["use"].format(hashtag=tag), "empty": "", "figures": [],
        "chart": chart_view(month.chart, month.anchor),
        "highlights": [_highlight(p, words, lang) for p in month.highlights],
        "pledges": _pledges(month.pledges, words, lang),
    }
    report = month.report
    if report is None or report.empty:
        view["empty"] = words["no_posts_month"].format(hashtag=tag)
        return view
    c = report.totals
    view["figures"] = [{"label": label, "value": number(value, lang)} for label, value in (
        (words["posts"], c.posts), (words["contributors"], report.contributors),
        (words["kind_original"], c.original), (words["kind_reply"], c.reply),
        (words["kind_repost"], c.repost), (words["kind_quote"], c.quote),
        (words["engagement"], c.engagement))]
    return view


def _closing(closing: Closing, story: Story, words: Mapping[str, str]) -> dict[str, Any]:
    lang = story.language
    reach = closing.reach
    figures = {"potential_reach": reach.potential_reach,
               "potential_impressions": reach.potential_impressions,
               "reported_impressions": reach.reported_impressions}
    return {
        "posts": number(closing.totals.posts, lang),
        "contributors": number(closing.contributors, lang),
        "engagement": number(closing.totals.engagement, lang),
        "reach": [{"key": key, "label": words[key], "value": number(figures[key], lang),
                   "method": words[f"method_{key}"],
                   "note": words["reported_of"].format(n=number(reach.reported_posts, lang),
                                                       total=number(reach.posts, lang))
                   if key == "reported_impressions" else ""} for key in REACH],
        "statuses": [_pair(words, words[s], closing.statuses.get(s, 0), lang)
                     for s in PLEDGE_STATUSES],
        "pledges": number(closing.pledges, lang),
        "costs": [{"currency": row.currency, "name": row.name,
                   "costs": amount(row.costs, row.currency, lang),
                   "scaling": amount(row.scaling, row.currency, lang),
                   "pledges": number(row.pledges, lang)} for row in closing.costs],
        "lights": _lights(closing.lights, words, lang),
    }


def page_context(story: Story) -> dict[str, Any]:
    """Everything the template prints, as plain text and numbers already written in the
    story's language (the template formats nothing itself)."""
    words = labels(story.language)
    lang, tag = story.language, story.hashtag
    months = [_month(m, story, words) for m in story.months]
    code = script()
    return {
        "lang": lang, "words": words, "hashtag": tag,
        "title": words["title"].format(hashtag=tag, year=story.year),
        "campaign_name": story.campaign_name, "organiser": story.organiser,
        "intro": words["intro"].format(hashtag=tag),
        "empty": words["empty"].format(hashtag=tag) if story.empty else "",
        "generated": words["generated"].format(day=day_text(story.generated_at.date(), lang)),
        "nav": [{"href": f"#{m['anchor']}", "label": m["heading"]} for m in months]
        + [{"href": "#closing", "label": words["closing_nav"]}],
        "months": months, "closing": _closing(story.closing, story, words),
        "script": Markup(code), "script_hash": Markup(script_hash(code)),
    }


def render(story: Story) -> str:
    """The story's page."""
    import jinja2

    from campaign.content.sandbox import environment

    env = environment(jinja2.PackageLoader("campaign.reports", "templates"), autoescape=True,
                      trim_blocks=True, lstrip_blocks=True)
    return env.get_template("story.html.j2").render(**page_context(story))
