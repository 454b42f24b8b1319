"""The words `campaign amplify auto` and `amplify log` print, in French, English and Spanish."""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any

LANGUAGES = ("fr", "en", "es")

_HEADERS = {
    "en": {"post": "Post", "author": "Author", "account": "Account", "decision": "Decision",
           "reason": "Reason", "at": "When"},
    "fr": {"post": "Publication", "author": "Auteur", "account": "Compte", "decision": "Décision",
           "reason": "Raison", "at": "Quand"},
    "es": {"post": "Publicación", "author": "Autor", "account": "Cuenta", "decision": "Decisión",
           "reason": "Motivo", "at": "Cuándo"},
}
_DECISIONS = {
    "en": {"queued": "queued", "skipped": "skipped", "would-queue": "would queue"},
    "fr": {"queued": "en file", "skipped": "écartée", "would-queue": "serait en file"},
    "es": {"queued": "en cola", "skipped": "descartada", "would-queue": "iría a la cola"},
}
_REASONS = {
    "en": {"chosen": "chosen", "after-quiet-hours": "after quiet hours",
           "other-network": "other network", "already-amplified": "already amplified",
           "repost": "a repost", "reply": "a reply", "quote": "a quote post",
           "too-young": "too recent", "too-old": "too old", "not-a-pledger": "not a pledger",
           "not-listed": "not listed", "pledge-status": "pledge status", "language": "language",
           "hashtag": "no hashtag", "blocked": "blocked", "daily-cap": "daily cap reached",
           "refused": "address refused"},
    "fr": {"chosen": "retenue", "after-quiet-hours": "après les heures calmes",
           "other-network": "autre réseau", "already-amplified": "déjà amplifiée",
           "repost": "un partage", "reply": "une réponse", "quote": "une citation",
           "too-young": "trop récente", "too-old": "trop ancienne",
           "not-a-pledger": "pas un engagé", "not-listed": "hors liste",
           "pledge-status": "statut de l’engagement", "language": "langue",
           "hashtag": "sans hashtag", "blocked": "bloquée", "daily-cap": "plafond du jour atteint",
           "refused": "adresse refusée"},
    "es": {"chosen": "elegida", "after-quiet-hours": "tras las horas de silencio",
           "other-network": "otra red", "already-amplified": "ya amplificada",
           "repost": "un repost", "reply": "una respuesta", "quote": "una cita",
           "too-young": "demasiado reciente", "too-old": "demasiado antigua",
           "not-a-pledger": "sin compromiso", "not-listed": "fuera de la lista",
           "pledge-status": "estado del compromiso", "language": "idioma",
           "hashtag": "sin hashtag", "blocked": "bloqueada", "daily-cap": "tope diario alcanzado",
           "refused": "dirección rechazada"},
}
_TEXTS = {
    "en": {"summary": "queued {queued}, skipped {skipped}.",
           "dry": "Dry run (nothing was queued or recorded): would have ",
           "by_reason": "Skipped by reason:", "more": "… and {n} more (--json lists them all)",
           "none": "No collected post to decide about.", "empty_log": "No decision recorded.",
           "policy": "Policy {policy}, run {run}, at {at}."},
    "fr": {"summary": "mises en file {queued}, écartées {skipped}.",
           "dry": "Essai à blanc (rien n’a été mis en file ni enregistré) : auraient été ",
           "by_reason": "Écartées par raison :", "more": "… et {n} de plus (--json les liste toutes)",
           "none": "Aucune publication collectée à examiner.",
           "empty_log": "Aucune décision enregistrée.",
           "policy": "Politique {policy}, passage {run}, le {at}."},
    "es": {"summary": "en cola {queued}, descartadas {skipped}.",
           "dry": "Simulación (nada se puso en cola ni se registró): habrían quedado ",
           "by_reason": "Descartadas por motivo:", "more": "… y {n} más (--json las lista todas)",
           "none": "Ninguna publicación recogida que decidir.",
           "empty_log": "Ninguna decisión registrada.",
           "policy": "Política {policy}, pasada {run}, el {at}."},
}


# the detail of a decision: its note's sentence, with the values it carries
_NOTES = {
    "en": {"queued-before": "queued before", "queued-meanwhile": "queued meanwhile by another run",
           "repost": "a repost of someone else's post", "reply": "a reply (allow_replies: false)",
           "quote": "a quote post (allow_quotes: false)",
           "too-young": "posted {age} ago, min_age {min_age}",
           "too-old": "posted {age} ago, max_age {max_age}",
           "not-listed": "{author} is not in who", "no-pledge": "{author} has no pledge",
           "pledge-status": "{pledges}", "pledge": "pledge {id} is {status}",
           "language": "in {language}, not {languages}", "unknown-language": "an unknown language",
           "hashtag": "none of {hashtags}", "block-handle": "author {handle} is on the block list",
           "block-word": "the text has “{word}”", "block-domain": "a link to {host}",
           "daily-cap": "{count} already due on {day} ({timezone}), max_per_day {max_per_day}",
           "after-quiet-hours": "due {due} {timezone}, after quiet hours {quiet_hours}",
           "refused": "{error}"},
    "fr": {"queued-before": "déjà mise en file",
           "queued-meanwhile": "mise en file entre-temps par un autre passage",
           "repost": "un partage de la publication de quelqu’un d’autre",
           "reply": "une réponse (allow_replies: false)",
           "quote": "une citation (allow_quotes: false)",
           "too-young": "publiée il y a {age}, min_age {min_age}",
           "too-old": "publiée il y a {age}, max_age {max_age}",
           "not-listed": "{author} n’est pas dans who", "no-pledge": "{author} n’a pas d’engagement",
           "pledge-status": "{pledges}", "pledge": "l’engagement {id} est {status}",
           "language": "en {language}, pas en {languages}", "unknown-language": "langue inconnue",
           "hashtag": "aucun de {hashtags}", "block-handle": "l’auteur {handle} est bloqué",
           "block-word": "le texte contient « {word} »", "block-domain": "un lien vers {host}",
           "daily-cap": "déjà {count} prévues le {day} ({timezone}), max_per_day {max_per_day}",
           "after-quiet-hours": "prévue le {due} {timezone}, après les heures calmes "
                                "{quiet_hours}",
           "refused": "{error}"},
    "es": {"queued-before": "ya en cola", "queued-meanwhile": "puesta en cola entretanto por otra "
                                                             "pasada",
           "repost": "un repost de la publicación de otra persona",
           "reply": "una respuesta (allow_replies: false)",
           "quote": "una cita (allow_quotes: false)",
           "too-young": "publicada hace {age}, min_age {min_age}",
           "too-old": "publicada hace {age}, max_age {max_age}",
           "not-listed": "{author} no está en who", "no-pledge": "{author} no tiene compromiso",
           "pledge-status": "{pledges}", "pledge": "el compromiso {id} está {status}",
           "language": "en {language}, no en {languages}", "unknown-language": "idioma desconocido",
           "hashtag": "ninguno de {hashtags}", "block-handle": "el autor {handle} está bloqueado",
           "block-word": "el texto contiene «{word}»", "block-domain": "un enlace a {host}",
           "daily-cap": "ya {count} previstas el {day} ({timezone}), max_per_day {max_per_day}",
           "after-quiet-hours": "prevista el {due} {timezone}, tras las horas de silencio "
                                "{quiet_hours}",
           "refused": "{error}"},
}
_STATUSES = {
    "en": {},
    "fr": {"draft": "brouillon", "submitted": "soumis", "accepted": "accepté",
           "fulfilled": "tenu", "withdrawn": "retiré"},
    "es": {"draft": "borrador", "submitted": "enviado", "accepted": "aceptado",
           "fulfilled": "cumplido", "withdrawn": "retirado"},
}


def detail_data(detail: str) -> dict[str, Any]:
    """A decision's machine detail as data (a row logged as a sentence: {"text": ...})."""
    try:
        data = json.loads(detail) if detail else {}
    except ValueError:
        return {"text": detail}
    return data if isinstance(data, dict) else {"text": detail}


def detail_message(language: str, detail: str) -> str:
    """A decision's detail as a sentence in ``language`` ('' when it has none)."""
    data = detail_data(detail)
    notes = _NOTES[language]
    note = data.get("note")
    if note not in notes:
        return str(data.get("text", ""))
    values = {k: ", ".join(str(i) for i in v) if isinstance(v, list) else v
              for k, v in data.items()}
    if note == "pledge-status":
        values["pledges"] = "; ".join(
            notes["pledge"].format(id=i, status=_STATUSES[language].get(s, s))
            for i, s in data.get("pledges", []))
    if note == "language" and not data.get("language"):
        values["language"] = notes["unknown-language"]
    try:
        return notes[note].format_map(values)
    except (KeyError, IndexError, ValueError):  # a row written by another version
        return notes[note]


def headers(language: str) -> Mapping[str, str]:
    """The column headers."""
    return _HEADERS[language]


def decision(language: str, code: str) -> str:
    """A decision (queued, skipped, would-queue) in words."""
    return _DECISIONS[language].get(code, code)


def reason(language: str, code: str) -> str:
    """A reason code in words (an unknown code as it is)."""
    return _REASONS[language].get(code, code)


def text(language: str, key: str, **values: object) -> str:
    """One sentence of the printout."""
    return _TEXTS[language][key].format(**values)
