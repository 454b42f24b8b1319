"""Every word a person reads in a report, in English, French and Spanish, and the numbers, shares
and dates written the way each language writes them (Babel).

:func:`label` looks a key up; a key missing in a language is a bug the tests catch (every key
exists in all three). Values from posts and pledges are never labels: they are escaped where
they land.
"""

from __future__ import annotations

import re
from datetime import date, datetime

LANGUAGES: tuple[str, ...] = ("en", "fr", "es")
FALLBACK = "en"

# key -> (en, fr, es)
_LABELS: dict[str, tuple[str, str, str]] = {
    # the report
    "title": ("Hashtag report", "Rapport sur le hashtag", "Informe del hashtag"),
    "period": ("{start} to {end}", "du {start} au {end}", "del {start} al {end}"),
    "generated": ("Generated on {when}", "Généré le {when}", "Generado el {when}"),
    "filters": ("Filters", "Filtres", "Filtros"),
    "filters_line": ("Filters: {filters}", "Filtres : {filters}", "Filtros: {filters}"),
    "no_filter": ("every post", "toutes les publications", "todas las publicaciones"),
    "pledgers_only": ("pledgers only", "signataires seulement", "solo firmantes"),
    "not_pledger": ("not a pledger", "sans engagement", "sin compromiso"),
    "empty": ("No posts in this period.", "Aucune publication sur cette période.",
              "Ninguna publicación en este período."),
    "empty_hint": ("Nothing was collected for these days and filters: widen the period or the "
                   "filters, or collect with `campaign track`.",
                   "Rien n’a été collecté pour ces jours et ces filtres : élargissez la période "
                   "ou les filtres, ou collectez avec `campaign track`.",
                   "No se recogió nada para estos días y filtros: amplíe el período o los "
                   "filtros, o recoja con `campaign track`."),
    # sections
    "totals": ("Totals", "Totaux", "Totales"),
    "reach": ("Reach", "Portée", "Alcance"),
    "series": ("Posts over time", "Publications dans le temps", "Publicaciones en el tiempo"),
    "by_network": ("By network", "Par réseau", "Por red"),
    "by_language": ("By language", "Par langue", "Por idioma"),
    "by_audience": ("By stakeholder type", "Par type d’acteur", "Por tipo de actor"),
    "by_country": ("By country", "Par pays", "Por país"),
    "top_posts": ("Top posts", "Publications les plus engageantes",
                  "Publicaciones más destacadas"),
    "top_contributors": ("Top contributors", "Principaux contributeurs",
                         "Principales contribuyentes"),
    "tags": ("Hashtags used alongside", "Hashtags associés", "Hashtags asociados"),
    "observances": ("Observance days", "Journées internationales", "Días internacionales"),
    "active": ("Pledgers posting this month", "Signataires qui publient ce mois-ci",
               "Firmantes que publican este mes"),
    "silent": ("Pledgers not posting this month", "Signataires sans publication ce mois-ci",
               "Firmantes sin publicaciones este mes"),
    "lights": ("Pledges by traffic light", "Engagements par feu", "Compromisos por semáforo"),
    # column heads and figures
    "posts": ("Posts", "Publications", "Publicaciones"),
    "contributors": ("Unique contributors", "Contributeurs uniques", "Contribuyentes únicos"),
    "share": ("Share", "Part", "Proporción"),
    "likes": ("Likes", "J’aime", "Me gusta"),
    "reposts": ("Reposts", "Partages", "Republicaciones"),
    "replies": ("Replies", "Réponses", "Respuestas"),
    "quotes": ("Quotes", "Citations", "Citas"),
    "engagement": ("Engagement", "Engagement", "Interacción"),
    "impressions": ("Impressions", "Impressions", "Impresiones"),
    "author": ("Author", "Auteur", "Autor"),
    "network": ("Network", "Réseau", "Red"),
    "language": ("Language", "Langue", "Idioma"),
    "audience": ("Stakeholder type", "Type d’acteur", "Tipo de actor"),
    "country": ("Country", "Pays", "País"),
    "date": ("Date", "Date", "Fecha"),
    "text": ("Text", "Texte", "Texto"),
    "kind": ("Kind", "Type", "Tipo"),
    "followers": ("Followers", "Abonnés", "Seguidores"),
    "tag": ("Hashtag", "Hashtag", "Hashtag"),
    "day": ("Day", "Jour", "Día"),
    "observance": ("Observance", "Journée", "Día internacional"),
    "pledge": ("Pledge", "Engagement", "Compromiso"),
    "handles": ("Accounts", "Comptes", "Cuentas"),
    "last_post": ("Last post", "Dernière publication", "Última publicación"),
    "posts_in_month": ("Posts this month", "Publications ce mois-ci", "Publicaciones este mes"),
    "never": ("never seen posting", "jamais vu publier", "nunca visto publicando"),
    "light": ("Light", "Feu", "Semáforo"),
    "why": ("Why", "Pourquoi", "Por qué"),
    "value": ("Value", "Valeur", "Valor"),
    "method": ("How it is computed", "Mode de calcul", "Cómo se calcula"),
    "none": ("none", "aucun", "ninguno"),
    "pledger": ("pledger", "signataire", "firmante"),
    "pledger_note": ("★ marks a pledger: an author a pledge names.",
                     "★ signale un signataire : un auteur nommé par un engagement.",
                     "★ señala a un firmante: un autor nombrado por un compromiso."),
    "month_of": ("Month: {month}", "Mois : {month}", "Mes: {month}"),
    # kinds of post
    "kind_original": ("original", "original", "original"),
    "kind_reply": ("reply", "réponse", "respuesta"),
    "kind_repost": ("repost", "partage", "republicación"),
    "kind_quote": ("quote", "citation", "cita"),
    "originals": ("Originals", "Originaux", "Originales"),
    "posts_short": ("posts", "publ.", "publ."),
    "originals_short": ("orig.", "orig.", "orig."),
    "contributors_short": ("people", "contrib.", "contrib."),
    # buckets
    "bucket_day": ("Day", "Jour", "Día"),
    "bucket_week": ("Week of", "Semaine du", "Semana del"),
    "bucket_month": ("Month", "Mois", "Mes"),
    "per_day": ("Posts per day", "Publications par jour", "Publicaciones por día"),
    "per_week": ("Posts per week", "Publications par semaine", "Publicaciones por semana"),
    "per_month": ("Posts per month", "Publications par mois", "Publicaciones por mes"),
    "peak_day": ("on {when}", "le {when}", "el {when}"),
    "peak_week": ("in the week of {when}", "la semaine du {when}", "la semana del {when}"),
    "peak_month": ("in {when}", "en {when}", "en {when}"),
    # reach: the names and how each is computed (REACH_METHODS, in each language)
    "potential_reach": ("Potential reach", "Portée potentielle", "Alcance potencial"),
    "potential_impressions": ("Potential impressions", "Impressions potentielles",
                              "Impresiones potenciales"),
    "reported_impressions": ("Reported impressions", "Impressions déclarées",
                             "Impresiones declaradas"),
    "method_potential_reach": (
        "the followers of each unique contributor, as last read, counted once",
        "les abonnés de chaque contributeur unique, au dernier relevé, comptés une fois",
        "los seguidores de cada contribuyente único, en la última lectura, contados una vez"),
    "method_potential_impressions": (
        "each post times its author's followers as read with the post, added up",
        "chaque publication multipliée par les abonnés de son auteur relevés avec elle, "
        "additionnées",
        "cada publicación multiplicada por los seguidores de su autor leídos con ella, sumadas"),
    "method_reported_impressions": (
        "the impressions the networks themselves report (X only), added up over the posts "
        "that report them",
        "les impressions que les réseaux déclarent eux-mêmes (X seulement), additionnées sur "
        "les publications qui en déclarent",
        "las impresiones que las propias redes declaran (solo X), sumadas sobre las "
        "publicaciones que las declaran"),
    "reported_posts": ("{posts} of {total} posts report impressions",
                       "{posts} publications sur {total} déclarent des impressions",
                       "{posts} de {total} publicaciones declaran impresiones"),
    # charts
    "chart_time_alt": (
        "{title} from {start} to {end}: {posts} posts, peak {peak} {when}{observance}.",
        "{title} du {start} au {end} : {posts} publications, pic de {peak} {when}{observance}.",
        "{title} del {start} al {end}: {posts} publicaciones, pico de {peak} {when}"
        "{observance}."),
    "chart_observances": (" Observance days marked: {days}.", " Journées marquées : {days}.",
                          " Días marcados: {days}."),
    "chart_split_alt": ("{title}: {values}.", "{title} : {values}.", "{title}: {values}."),
    "chart_tags_alt": ("{title}, share of the posts: {values}.",
                       "{title}, part des publications : {values}.",
                       "{title}, proporción de las publicaciones: {values}."),
    "chart_empty_alt": ("{title}: no posts in this period.",
                        "{title} : aucune publication sur cette période.",
                        "{title}: ninguna publicación en este período."),
    "share_of_posts": ("Share of the posts", "Part des publications",
                       "Proporción de las publicaciones"),
    # traffic lights (campaign.pledges.progress.Light)
    "light_on_track": ("on track", "en bonne voie", "en camino"),
    "light_behind": ("behind", "en retard", "retrasado"),
    "light_overdue": ("overdue", "échu", "vencido"),
    "light_silent": ("silent", "silencieux", "en silencio"),
    "light_done": ("done", "atteint", "cumplido"),
    "light_unknown": ("unknown", "inconnu", "desconocido"),
    # what files were written
    "written": ("Written", "Écrit", "Escrito"),
}
LABEL_KEYS: tuple[str, ...] = tuple(_LABELS)


def label(key: str, lang: str, **values: object) -> str:
    """The words for ``key`` in ``lang`` (English for another language), ``values`` filled in."""
    found = _LABELS[key]
    text = found[LANGUAGES.index(lang)] if lang in LANGUAGES else found[0]
    if lang == "fr":  # French puts a no-break space before a colon: never a line break there
        text = text.replace(" :", "\u00a0:")
    return text.format(**values) if values else text


def labels(lang: str) -> dict[str, str]:
    """Every label in ``lang``, by key (what a template is given)."""
    return {key: label(key, lang) for key in _LABELS}


def locale(lang: str) -> str:
    """The Babel locale a report in ``lang`` is written in."""
    return lang if lang in LANGUAGES else FALLBACK


def number(value: int | float, lang: str) -> str:
    """A number as ``lang`` writes it: 12,345 / 12 345 / 12.345."""
    from babel.numbers import format_decimal

    return str(format_decimal(value, locale=locale(lang)))


def percent(share: float, lang: str) -> str:
    """A share (0..1) as a percentage in ``lang``, one decimal at most: 12.5%, 12,5 %."""
    from babel import Locale
    from babel.numbers import format_percent

    # the language's own pattern (12 %, 12%), with one optional decimal added
    pattern = Locale.parse(locale(lang)).percent_formats[None].pattern
    pattern = re.sub(r"0(?![0#])", "0.#", pattern, count=1)
    return str(format_percent(share, pattern, locale=locale(lang)))


def day(value: date | datetime, lang: str, form: str = "medium") -> str:
    """A day as ``lang`` writes it (``medium``: 12 Jun 2021, 12 juin 2021)."""
    from babel.dates import format_date

    return str(format_date(value, form, locale=locale(lang)))


def month(value: date, lang: str, *, capital: bool = True) -> str:
    """A month and its year, capitalised for a heading (Juin 2021), else as in a sentence."""
    from babel.dates import format_skeleton

    text = str(format_skeleton("yMMMM", value, locale=locale(lang)))  # "diciembre de 2021"
    return text[:1].upper() + text[1:] if capital else text


def short_day(value: date, lang: str) -> str:
    """A day without its year, for chart axes: 12 Jun, 12 juin."""
    from babel.dates import format_skeleton

    return str(format_skeleton("MMMd", value, locale=locale(lang)))


def bucket_text(start: date, bucket: str, lang: str, *, capital: bool = True) -> str:
    """The name of a bucket of the time series: a day, the week of its Monday, or a month."""
    if bucket == "month":
        return month(start, lang, capital=capital)
    return day(start, lang)


def kind_name(kind: str, lang: str) -> str:
    """A kind of post (original, reply, repost, quote) in ``lang``."""
    return label(f"kind_{kind}", lang) if f"kind_{kind}" in _LABELS else kind


def light_name(light: str, lang: str) -> str:
    """A traffic light (campaign.pledges.progress.Light) in ``lang``."""
    return label(f"light_{light}", lang) if f"light_{light}" in _LABELS else light


def language_name(code: str, lang: str) -> str:
    """A language's name in ``lang`` (en -> English, anglais, inglés); the code when unknown."""
    from babel import Locale, UnknownLocaleError

    if not code:
        return "?"
    try:
        name = Locale.parse(locale(lang)).languages.get(code.replace("-", "_").split("_")[0])
    except (ValueError, UnknownLocaleError):
        name = None
    return str(name) if name else code


def country_name(code: str, lang: str) -> str:
    """A country's or region's name in ``lang`` (Babel), the code when it has none."""
    from campaign.pledges.form import country_name as name

    return name(code, locale(lang))
