"""A valid pledge to start from, and the rules of the built-in 2021 campaign in March 2021."""

from __future__ import annotations

import copy
from collections.abc import Callable
from datetime import date
from typing import Any

import pytest

from campaign.content.schedule import Schedule
from campaign.pledges.form import FormRules

PLEDGE: dict[str, Any] = {
    "audience": "country",
    "name": "Ministère du Travail du Sénégal",
    "country": "SN",
    "language": "fr",
    "focal_point": {"name": "Awa Diop", "email": "awa.diop@travail.gouv.sn"},
    "title": "Adopter une politique nationale sur le travail des enfants d’ici à la fin 2021",
    "implementation": "Un comité interministériel rédige la politique avec les partenaires "
                      "sociaux, avec un budget de 12 500 000 XOF.",
    "contribution": "La politique fixe des objectifs annuels jusqu’en 2025 et un suivi public.",
    "communication": "Une vidéo chaque mois avec #EndChildLabour2021.",
    "handles": {"x": "@TravailSN", "mastodon": "@travail@mastodon.social"},
    "indicators": [{"name": "Politique adoptée", "unit": "politique", "baseline": 0,
                    "target": 1, "deadline": "2021-12-31"}],
    "cost": {"amount": "12500000", "currency": "XOF"},
}


@pytest.fixture
def rules(schedule: Schedule) -> FormRules:
    """The built-in campaign's rules, counted from 1 March 2021."""
    return FormRules.from_schedule(schedule, today=date(2021, 3, 1))


@pytest.fixture
def pledge_data() -> Callable[..., dict[str, Any]]:
    """A fresh copy of a valid pledge, with the fields given replaced."""

    def make(**changes: Any) -> dict[str, Any]:
        data = copy.deepcopy(PLEDGE)
        data.update(changes)
        return data

    return make
