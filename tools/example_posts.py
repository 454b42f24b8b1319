"""Write schedules/examples/tracking/year-2021.csv: a year of invented Bluesky and Mastodon posts
with the campaign's hashtags, for `make demo` and the README's report, amplification and story.

Run ``python tools/example_posts.py`` to write it again; the same file comes out every time (a
seeded generator). Two authors are the example pledgers' accounts
(schedules/examples/pledges/pledges-2021.json), so the report has pledgers active and silent.
"""

from __future__ import annotations

import csv
import random
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

OUT = Path(__file__).resolve().parent.parent / "schedules/examples/tracking/year-2021.csv"
READ_AT = "2021-12-31T12:00:00Z"
# (network, handle, id, language, followers, posts a month on average)
AUTHORS = [
    ("bluesky", "travail-exemple.bsky.social", "did:plc:exampletravail00000000001", "fr", 2100, 3),
    ("mastodon", "central@mastodon.example.org", "", "es", 640, 1.5),
    ("bluesky", "school-example.bsky.social", "did:plc:exampleschool000000000001", "en", 860, 1),
    ("mastodon", "ana@social.example.net", "", "es", 120, 0.8),
    *[("bluesky", f"voice{i}.bsky.social", f"did:plc:examplevoice{i:014d}", lang, 50 + 37 * i, 0.6)
      for i, lang in enumerate(["en", "fr", "es", "en", "pt", "en", "fr", "es"], start=1)],
    *[("mastodon", f"user{i}@social.example.net", "", lang, 20 + 11 * i, 0.5)
      for i, lang in enumerate(["fr", "en", "es", "de", "en", "fr"], start=1)],
]
# the calendar's observance days: posts cluster around them
PEAKS = {date(2021, 5, 1): 4, date(2021, 6, 12): 10, date(2021, 7, 30): 3, date(2021, 9, 8): 2,
         date(2021, 10, 10): 2, date(2021, 11, 20): 4, date(2021, 12, 10): 3}
WORDS = {
    "fr": ["Aucun enfant ne devrait travailler.", "Nous agissons pour l'élimination du travail "
           "des enfants.", "Notre engagement avance : voici où nous en sommes.",
           "Rejoignez l'Année internationale !"],
    "en": ["No child should have to work.", "We act to end child labour.",
           "Our pledge is moving: here is where we stand.", "Join the International Year!"],
    "es": ["Ningún niño debería trabajar.", "Actuamos para erradicar el trabajo infantil.",
           "Nuestro compromiso avanza: así vamos.", "¡Súmate al Año Internacional!"],
    "pt": ["Nenhuma criança deveria trabalhar.", "Agimos para acabar com o trabalho infantil."],
    "de": ["Kein Kind sollte arbeiten müssen.", "Wir handeln gegen Kinderarbeit."],
}
TAGS = ["ChildLabour", "SDG87", "WorldDayAgainstChildLabour", "Alliance87", "ChildrensDay",
        "HumanRights", "Education"]
COLUMNS = ["network", "id", "url", "author_id", "author_handle", "created_at", "language",
           "text", "repost_of", "reply_to", "likes", "reposts", "replies", "followers", "read_at"]


def _day_weight(day: date) -> float:
    near = [w / (1 + abs((day - peak).days)) for peak, w in PEAKS.items()]
    return 1 + 3 * max(near)


def rows() -> list[dict[str, str]]:
    """Every post of the year, in time order."""
    rng = random.Random(2021)
    days = [date(2021, 2, 1) + timedelta(days=n) for n in range(333)]  # February to December
    weights = [_day_weight(d) for d in days]
    found: list[dict[str, str]] = []
    for network, handle, did, lang, followers, rate in AUTHORS:
        user, _, instance = handle.partition("@")
        for n in range(max(1, round(rate * 11 * rng.uniform(0.7, 1.3)))):
            day = rng.choices(days, weights)[0]
            if handle.startswith("travail") and day.month > 9:
                day = day.replace(month=rng.choice([6, 7, 8, 9]))  # a pledger gone silent
            at = datetime(day.year, day.month, day.day, rng.randrange(7, 21), rng.randrange(60),
                          tzinfo=UTC)
            key = f"{at:%m%d%H%M}{n:02d}"
            if network == "bluesky":
                post_id = f"at://{did}/app.bsky.feed.post/3k{key}"
                url = f"https://bsky.app/profile/{handle}/post/3k{key}"
            else:
                post_id = f"https://{instance}/users/{user}/statuses/1064{key}"
                url = f"https://{instance}/@{user}/1064{key}"
            tags = ["#EndChildLabour2021", *(f"#{t}" for t in rng.sample(TAGS, rng.randrange(3)))]
            if day == date(2021, 6, 12):
                tags.append("#WorldDayAgainstChildLabour")
            text = f"{rng.choice(WORDS[lang])} {' '.join(dict.fromkeys(tags))}"
            kind = rng.random()
            found.append({
                "network": network, "id": post_id, "url": url, "author_id": did,
                "author_handle": handle, "created_at": at.isoformat().replace("+00:00", "Z"),
                "language": lang, "text": text,
                "repost_of": found[-1]["id"] if kind < 0.15 and found else "",
                "reply_to": found[-1]["id"] if 0.15 <= kind < 0.25 and found else "",
                "likes": str(int(rng.paretovariate(1.3) * 3)), "reposts": str(rng.randrange(12)),
                "replies": str(rng.randrange(4)), "followers": str(followers),
                "read_at": READ_AT})
    found.sort(key=lambda r: (r["created_at"], r["id"]))
    return found


def main() -> None:
    """Write the file."""
    with OUT.open("w", newline="", encoding="utf-8") as out:
        writer = csv.DictWriter(out, COLUMNS, lineterminator="\n")
        writer.writeheader()
        writer.writerows(rows())
    print(f"wrote {OUT} ({len(rows())} posts)")


if __name__ == "__main__":
    main()
