"""Every word of the December story, in French, English and Spanish, and how its numbers,
dates and amounts are written in each (Babel, in the page's language)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal

from campaign.errors import UsageError

STORY_LANGUAGES = ("fr", "en", "es")

LABELS: Mapping[str, Mapping[str, str]] = {
    "en": {
        "kind_original": "Originals", "kind_reply": "Replies", "kind_repost": "Reposts",
        "kind_quote": "Quotes", "pair": "{label}: {value}",
        "submitted_month": "Submitted this month", "made_by": "Made by {day}",
        "title": "{hashtag}: the year {year}",
        "intro": "Month by month: the calendar’s actions, the observance days, how {hashtag} "
                 "was used, what pledgers posted and how their Action Pledges progressed.",
        "skip": "Skip to the story",
        "nav": "Months of the story",
        "closing_nav": "The year",
        "actions": "The calendar’s actions",
        "no_actions": "No action in the calendar this month.",
        "observances": "Observance days",
        "use": "{hashtag} this month",
        "no_posts_month": "No post with {hashtag} was collected this month.",
        "highlights": "What pledgers posted",
        "no_highlights": "No pledger posted with the hashtag this month.",
        "open_post": "Open the post",
        "interactions": "{n} interactions",
        "pledges": "Action Pledges",
        "lights_caption": "Where the pledges in progress stood on {day}",
        "no_lights": "No pledge in progress yet.",
        "future": "This month is still to come: the story shows what the calendar plans.",
        "closing": "The year in figures",
        "posts": "Posts",
        "contributors": "Unique contributors",
        "engagement": "Interactions received",
        "reach": "Reach, three ways",
        "reported_of": "reported for {n} of {total} posts",
        "statuses": "Pledges by status",
        "costs": "Estimated costs, per currency (never converted)",
        "currency": "Currency",
        "cost_2021": "2021 costs",
        "scaling": "Scaling up, 2022–2025",
        "costed": "Pledges",
        "no_costs": "No pledge gave a cost.",
        "empty": "No post was collected for {hashtag}: this story shows the calendar and the "
                 "pledges. Collect posts with campaign track, then write it again.",
        "generated": "Written on {day}.",
        "for_individuals": "for individuals",
        "for_stakeholders": "for stakeholders",
        "chart_none": "No chart: no post this month.",
        # reach, and how each figure is computed (REACH_METHODS)
        "potential_reach": "Potential reach",
        "potential_impressions": "Potential impressions",
        "reported_impressions": "Impressions the networks report",
        "method_potential_reach": "the followers of each unique contributor, as last read, "
                                  "counted once",
        "method_potential_impressions": "each post times its author’s followers as read with "
                                        "the post, added up",
        "method_reported_impressions": "the impressions the networks themselves report (X "
                                       "only), added up over the posts that report them",
        # traffic lights and statuses
        "on_track": "on track", "behind": "behind", "overdue": "overdue", "silent": "silent",
        "done": "done", "unknown": "no indicator",
        "draft": "draft", "submitted": "submitted", "accepted": "accepted",
        "withdrawn": "withdrawn", "fulfilled": "fulfilled",
        # what `campaign story` prints
        "cli_wrote": "Wrote {path} ({size}, {language})",
        "cli_summary": "{months} months, {posts} posts of {hashtag} in {year}",
        "cli_offline": "The page opens offline: nothing in it loads from any host.",
        "cli_empty": "No posts were collected for the year: the story tells the calendar and "
                     "the pledges. Collect with `campaign track`, then write it again.",
        "kilobytes": "{n} KB", "bytes": "{n} B",
    },
    "fr": {
        "kind_original": "Originales", "kind_reply": "Réponses", "kind_repost": "Partages",
        "kind_quote": "Citations", "pair": "{label}\u00a0: {value}",
        "submitted_month": "Soumises ce mois-ci", "made_by": "Faites au {day}",
        "title": "{hashtag}\u00a0: l’année {year}",
        "intro": "Mois après mois\u00a0: les actions du calendrier, les journées "
                 "internationales, l’usage de {hashtag}, les publications des auteurs de "
                 "promesses et l’avancement de leurs Promesses d’action.",
        "skip": "Aller au récit",
        "nav": "Les mois du récit",
        "closing_nav": "L’année",
        "actions": "Les actions du calendrier",
        "no_actions": "Aucune action au calendrier ce mois-ci.",
        "observances": "Journées internationales",
        "use": "{hashtag} ce mois-ci",
        "no_posts_month": "Aucune publication avec {hashtag} n’a été recueillie ce mois-ci.",
        "highlights": "Ce que les auteurs de promesses ont publié",
        "no_highlights": "Aucun auteur de promesse n’a publié avec le mot-dièse ce mois-ci.",
        "open_post": "Ouvrir la publication",
        "interactions": "{n} interactions",
        "pledges": "Promesses d’action",
        "lights_caption": "Où en étaient les promesses en cours le {day}",
        "no_lights": "Aucune promesse en cours pour l’instant.",
        "future": "Ce mois est encore à venir\u00a0: le récit montre ce que prévoit le "
                  "calendrier.",
        "closing": "L’année en chiffres",
        "posts": "Publications",
        "contributors": "Contributeurs uniques",
        "engagement": "Interactions reçues",
        "reach": "La portée, de trois façons",
        "reported_of": "indiquées pour {n} publications sur {total}",
        "statuses": "Promesses par statut",
        "costs": "Coûts estimés, par devise (jamais convertis)",
        "currency": "Devise",
        "cost_2021": "Coûts 2021",
        "scaling": "Mise à l’échelle, 2022–2025",
        "costed": "Promesses",
        "no_costs": "Aucune promesse n’a indiqué de coût.",
        "empty": "Aucune publication n’a été recueillie pour {hashtag}\u00a0: ce récit montre "
                 "le calendrier et les promesses. Recueillez des publications avec campaign "
                 "track, puis écrivez-le de nouveau.",
        "generated": "Écrit le {day}.",
        "for_individuals": "pour les particuliers",
        "for_stakeholders": "pour les parties prenantes",
        "chart_none": "Pas de graphique\u00a0: aucune publication ce mois-ci.",
        "potential_reach": "Portée potentielle",
        "potential_impressions": "Impressions potentielles",
        "reported_impressions": "Impressions indiquées par les réseaux",
        "method_potential_reach": "les abonnés de chaque contributeur unique, au dernier "
                                  "relevé, comptés une fois",
        "method_potential_impressions": "chaque publication multipliée par les abonnés de son "
                                        "auteur relevés avec elle, le tout additionné",
        "method_reported_impressions": "les impressions que les réseaux indiquent eux-mêmes "
                                       "(X seulement), additionnées sur les publications qui "
                                       "en indiquent",
        "on_track": "en bonne voie", "behind": "en retard", "overdue": "échéance dépassée",
        "silent": "silencieuse", "done": "atteinte", "unknown": "sans indicateur",
        "draft": "brouillon", "submitted": "soumise", "accepted": "acceptée",
        "withdrawn": "retirée", "fulfilled": "tenue",
        "cli_wrote": "Écrit {path} ({size}, {language})",
        "cli_summary": "{months} mois, {posts} publications de {hashtag} en {year}",
        "cli_offline": "La page s’ouvre hors ligne\u00a0: elle ne charge rien d’aucun hôte.",
        "cli_empty": "Aucune publication recueillie pour l’année\u00a0: le récit montre le "
                     "calendrier et les promesses. Recueillez-en avec `campaign track`, puis "
                     "écrivez-le de nouveau.",
        "kilobytes": "{n}\u00a0ko", "bytes": "{n}\u00a0o",
    },
    "es": {
        "kind_original": "Originales", "kind_reply": "Respuestas",
        "kind_repost": "Republicaciones", "kind_quote": "Citas", "pair": "{label}: {value}",
        "submitted_month": "Presentadas este mes", "made_by": "Hechas al {day}",
        "title": "{hashtag}: el año {year}",
        "intro": "Mes a mes: las acciones del calendario, los días internacionales, el uso "
                 "de {hashtag}, lo que publicaron quienes hicieron una promesa y el avance de "
                 "sus Promesas de acción.",
        "skip": "Saltar al relato",
        "nav": "Los meses del relato",
        "closing_nav": "El año",
        "actions": "Las acciones del calendario",
        "no_actions": "Ninguna acción en el calendario este mes.",
        "observances": "Días internacionales",
        "use": "{hashtag} este mes",
        "no_posts_month": "No se recogió ninguna publicación con {hashtag} este mes.",
        "highlights": "Lo que publicaron quienes hicieron una promesa",
        "no_highlights": "Nadie que hiciera una promesa publicó con la etiqueta este mes.",
        "open_post": "Abrir la publicación",
        "interactions": "{n} interacciones",
        "pledges": "Promesas de acción",
        "lights_caption": "Dónde estaban las promesas en curso el {day}",
        "no_lights": "Todavía ninguna promesa en curso.",
        "future": "Este mes aún está por llegar: el relato muestra lo que prevé el "
                  "calendario.",
        "closing": "El año en cifras",
        "posts": "Publicaciones",
        "contributors": "Participantes únicos",
        "engagement": "Interacciones recibidas",
        "reach": "El alcance, de tres maneras",
        "reported_of": "indicadas para {n} de {total} publicaciones",
        "statuses": "Promesas por estado",
        "costs": "Costos estimados, por moneda (nunca convertidos)",
        "currency": "Moneda",
        "cost_2021": "Costos 2021",
        "scaling": "Ampliación, 2022–2025",
        "costed": "Promesas",
        "no_costs": "Ninguna promesa indicó un costo.",
        "empty": "No se recogió ninguna publicación para {hashtag}: este relato muestra el "
                 "calendario y las promesas. Recoja publicaciones con campaign track y "
                 "vuelva a escribirlo.",
        "generated": "Escrito el {day}.",
        "for_individuals": "para particulares",
        "for_stakeholders": "para las partes interesadas",
        "chart_none": "Sin gráfico: ninguna publicación este mes.",
        "potential_reach": "Alcance potencial",
        "potential_impressions": "Impresiones potenciales",
        "reported_impressions": "Impresiones que indican las redes",
        "method_potential_reach": "los seguidores de cada participante único, en la última "
                                  "lectura, contados una vez",
        "method_potential_impressions": "cada publicación por los seguidores de su autor "
                                        "leídos con ella, todo sumado",
        "method_reported_impressions": "las impresiones que las propias redes indican (solo "
                                       "X), sumadas sobre las publicaciones que las indican",
        "on_track": "en buen camino", "behind": "con retraso", "overdue": "plazo vencido",
        "silent": "en silencio", "done": "cumplida", "unknown": "sin indicador",
        "draft": "borrador", "submitted": "presentada", "accepted": "aceptada",
        "withdrawn": "retirada", "fulfilled": "cumplida",
        "cli_wrote": "Escrito {path} ({size}, {language})",
        "cli_summary": "{months} meses, {posts} publicaciones de {hashtag} en {year}",
        "cli_offline": "La página se abre sin conexión: no carga nada de ningún servidor.",
        "cli_empty": "No se recogió ninguna publicación en el año: el relato muestra el "
                     "calendario y las promesas. Recoja publicaciones con `campaign track` y "
                     "vuelva a escribirlo.",
        "kilobytes": "{n} KB", "bytes": "{n} B",
    },
}


def check_language(language: str) -> str:
    """``language`` if the story is written in it; UsageError listing fr, en, es otherwise."""
    if language not in STORY_LANGUAGES:
        raise UsageError("story language (--lang)", language, STORY_LANGUAGES)
    return language


def labels(language: str) -> Mapping[str, str]:
    """The story's words in ``language``."""
    return LABELS[check_language(language)]


def number(value: int | float, language: str) -> str:
    """A count as the language writes it: 12 345 (fr), 12,345 (en), 12.345 (es)."""
    from babel.numbers import format_decimal

    return str(format_decimal(value, locale=language))


def amount(value: Decimal, currency: str, language: str) -> str:
    """An amount in its own currency, as the language writes it (never converted)."""
    from babel.numbers import format_currency

    return str(format_currency(value, currency, locale=language))


def day_text(day: date, language: str) -> str:
    """A day in words: 12 juin 2021, 12 June 2021, 12 de junio de 2021."""
    from babel.dates import format_date

    return str(format_date(day, "long", locale=language))


def short_day(day: date, language: str) -> str:
    """A day of the month without its year: 12 juin, 12 June, 12 de junio."""
    from babel.dates import format_skeleton

    return str(format_skeleton("MMMMd", day, locale=language))


def month_name(day: date, language: str) -> str:
    """A month and its year, capitalised as a heading: Juin 2021, June 2021, Junio 2021."""
    from babel.dates import format_skeleton

    text = str(format_skeleton("yMMMM", day, locale=language))
    return text[:1].upper() + text[1:]
