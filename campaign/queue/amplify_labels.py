"""The words `campaign amplify auto` and `amplify log` print, in French, English and Spanish."""

from __future__ import annotations

from collections.abc import Mapping

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
