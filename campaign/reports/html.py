"""A report as ONE self-contained HTML file: inline CSS, charts as inline SVG, no script needed,
no request to any host (a Content-Security-Policy says so to the browser too).

The page is rendered by the project's one sandboxed Jinja environment
(:func:`campaign.content.sandbox.environment`) with autoescape: every value from a post, an
author or a pledge is escaped. The charts are matplotlib's SVG, whose text matplotlib escapes;
each gets ``role="img"``, a ``<title>`` and an ``aria-label`` with its description, and its ids
prefixed so that several charts in one page never share one.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any

from campaign.atomic import atomic_open
from campaign.reports.charts import Chart, all_charts
from campaign.reports.labels import (
    bucket_text,
    day,
    kind_name,
    label,
    labels,
    language_name,
    light_name,
    month,
    number,
    percent,
)
from campaign.reports.model import KINDS, PledgerActivity, Report, Share
from campaign.reports.terminal import filters_text
from campaign.text.escape import CONTROL, safe_link

CSP = "default-src 'none'; img-src data:; style-src 'unsafe-inline'"
_ID = re.compile(r'\bid="([^"]+)"')
_REF = re.compile(r'(href="#|url\(#)([^")]+)')
_SVG_START = re.compile(r"<svg\b[^>]*>", re.DOTALL)


def inline_svg(chart: Chart, prefix: str) -> str:
    """The chart's SVG, ready to sit in a page: no XML prolog, ids prefixed, described."""
    from markupsafe import escape

    text = chart.data.decode("utf-8")
    text = text[text.index("<svg"):]
    text = _ID.sub(lambda m: f'id="{prefix}-{m.group(1)}"', text)
    text = _REF.sub(lambda m: f"{m.group(1)}{prefix}-{m.group(2)}", text)
    start = _SVG_START.search(text)
    assert start is not None  # matplotlib always writes one
    opening = start.group(0)[:-1] + f' role="img" aria-label="{escape(chart.alt)}">'
    described = f"{opening}<title>{escape(chart.title)}</title><desc>{escape(chart.alt)}</desc>"
    return text[:start.start()] + described + text[start.end():]


def _split(report: Report, shares: tuple[Share, ...]) -> list[dict[str, str]]:
    lang, total = report.language, report.totals.posts or 1
    return [{"label": s.label, "posts": number(s.posts, lang),
             "share": percent(s.posts / total, lang),
             "contributors": number(s.contributors, lang)} for s in shares]


def _pledger(report: Report, activity: PledgerActivity) -> dict[str, Any]:
    lang = report.language
    return {"organisation": activity.pledge.organisation, "title": activity.title,
            "light": activity.light, "light_name": light_name(activity.light, lang),
            # the light's reason is worded in English only (campaign.pledges.progress):
            # a French or Spanish page shows the light's name alone
            "why": activity.why if lang == "en" else "", "handles": ", ".join(activity.handles),
            "posts": number(activity.posts_in_month, lang),
            "last": day(activity.last_post, lang) if activity.last_post else label("never", lang),
            "url": safe_link(activity.last_post_url) or ""}


def context(report: Report) -> dict[str, Any]:
    """What the template is given: plain text and numbers already written in the language."""
    from markupsafe import Markup

    charts = {} if report.empty else {
        name: {"svg": Markup(inline_svg(chart, f"chart-{name}")), "alt": chart.alt,
               "title": chart.title}
        for name, chart in all_charts(report, "svg").items()}
    return tables(report) | {"charts": charts}


def tables(report: Report) -> dict[str, Any]:
    """Everything of :func:`context` but the charts (the dashboard serves them as images)."""
    lang, query, reach = report.language, report.query, report.reach
    titles = {o.id: o.title for o in report.observances}
    counts = report.totals
    return {
        "lang": lang, "csp": CSP, "t": labels(lang), "empty": report.empty,
        "hashtag": query.hashtag or "",
        "period": label("period", lang, start=day(query.start, lang), end=day(query.end, lang)),
        "generated": label("generated", lang, when=day(report.generated_at, lang, "long")),
        "filters": label("filters_line", lang, filters=filters_text(report)),
        "language_name": language_name(lang, lang),
        "totals": [(label("posts", lang), number(counts.posts, lang))]
        + [("\u2003" + kind_name(k, lang), number(getattr(counts, k), lang)) for k in KINDS]
        + [(label("contributors", lang), number(report.contributors, lang))]
        + [(label(n, lang), number(getattr(counts, n), lang))
           for n in ("likes", "reposts", "replies", "quotes", "engagement")],
        "reach": [{"name": label(n, lang), "value": number(getattr(reach, n), lang),
                   "method": label(f"method_{n}", lang)
                   + (" (" + label("reported_posts", lang, posts=number(reach.reported_posts, lang),
                                   total=number(reach.posts, lang)) + ")"
                      if n == "reported_impressions" else "")}
                  for n in ("potential_reach", "potential_impressions", "reported_impressions")],
        "bucket_head": label(f"bucket_{query.bucket}", lang),
        "series_title": label(f"per_{query.bucket}", lang),
        "kinds": [kind_name(k, lang) for k in KINDS],
        "series": [{"bucket": bucket_text(p.start, query.bucket, lang),
                    "kinds": [number(getattr(p.counts, k), lang) for k in KINDS],
                    "posts": number(p.counts.posts, lang),
                    "contributors": number(p.contributors, lang),
                    "observances": ", ".join(titles.get(i, i) for i in p.observances)}
                   for p in report.series],
        "splits": [{"name": which, "title": label(f"by_{which}", lang),
                    "rows": _split(report, getattr(report, f"by_{which}"))}
                   for which in ("network", "language", "audience", "country")
                   if getattr(report, f"by_{which}")],
        "top_posts": [{"author": p.author, "network": p.network, "kind": kind_name(p.kind, lang),
                       "when": day(p.created_at, lang), "text": p.text,
                       "url": safe_link(p.url) or "", "pledger": bool(p.pledges),
                       "pledges": ", ".join(r.organisation for r in p.pledges),
                       "likes": number(p.likes, lang), "reposts": number(p.reposts, lang),
                       "replies": number(p.replies, lang), "quotes": number(p.quotes, lang),
                       "impressions": "" if p.impressions is None else number(p.impressions, lang)}
                      for p in report.top_posts],
        "contributors": [{"name": c.display_name or c.handle, "handle": c.handle,
                          "network": c.network, "url": safe_link(c.url) or "",
                          "posts": number(c.counts.posts, lang),
                          "originals": number(c.counts.original, lang),
                          "engagement": number(c.counts.engagement, lang),
                          "followers": "" if c.followers is None else number(c.followers, lang),
                          "pledger": bool(c.pledges),
                          "pledges": ", ".join(r.organisation for r in c.pledges)}
                         for c in report.top_contributors],
        "tags": [{"tag": t.tag, "posts": number(t.posts, lang), "share": percent(t.share, lang)}
                 for t in report.tags],
        "observances": [{"day": day(o.day, lang, "long"), "iso": o.day.isoformat(),
                         "title": o.title} for o in report.observances],
        "month": label("month_of", lang, month=month(report.month, lang)),
        "active": [_pledger(report, a) for a in report.active],
        "silent": [_pledger(report, s) for s in report.silent],
        "lights": [{"light": k, "name": light_name(k, lang), "count": number(v, lang)}
                   for k, v in report.lights.items()],
    }


def render_html(report: Report) -> str:
    """The report as one self-contained HTML page."""
    import jinja2

    from campaign.content.sandbox import environment

    env = environment(jinja2.PackageLoader("campaign.reports", "templates"), autoescape=True,
                      trim_blocks=True, lstrip_blocks=True)
    # a control character from a post (ESC, NUL...) is a parse error in HTML: none is kept
    return CONTROL.sub("", env.get_template("report.html.j2").render(**context(report)))


def write_html(report: Report, path: Path) -> Path:
    """Write the report's page to ``path``, whole or not at all."""
    html = render_html(report)
    with atomic_open(Path(path)) as handle:
        handle.write(html)
    return Path(path)
