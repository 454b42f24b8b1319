"""Render a schedule's entries into posts: Jinja templates, localized dates, network length rules.

Templates are looked up in the user's folders first, then the built-in ones, so a user overrides
a built-in template by dropping a file of the same name into their folder.
"""

from __future__ import annotations

import re
import traceback
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from pathlib import Path
from typing import Any, NamedTuple

import jinja2

from campaign.content.hashtags import HashtagRoleError
from campaign.content.loaders import FolderLoader
from campaign.content.pledges import PledgeIdeas
from campaign.content.profile import Profile
from campaign.content.resources import builtin_templates
from campaign.content.sandbox import CampaignTemplate, SecurityError, environment
from campaign.content.schedule import Entry, Occurrence, Schedule
from campaign.errors import CampaignError, EmptyPostError, TemplateError, TooLongError
from campaign.text.escape import CONTROL_CHARS
from campaign.text.facets import Facet, bluesky_facets
from campaign.text.measure import Measure, measure
from campaign.text.networks import NETWORKS, NetworkLimits, is_blank
from campaign.text.threads import split_thread

_BLANK_LINES = re.compile(r"\n[ \t]*\n(?:[ \t]*\n)+")
_TRAILING_SPACE = re.compile(r"[ \t]+\n")
# what no post may hold though a template can write it, as a character or as a string escape
# ("\x1b", "\ud800"): control characters (the ones refused in every file from others) and halves
# of a surrogate pair, which no network, file or terminal can take
_UNWRITABLE = re.compile(f"[{CONTROL_CHARS}\ufffe\uffff\ud800-\udfff]")
# anything a reader would see: not whitespace, not a zero-width space, joiner, mark or BOM
# one post's render: loop steps and calls, characters written, seconds (a post takes microseconds)
POST_STEPS = 10_000
POST_OUTPUT = 1_000_000
POST_SECONDS = 0.5


class RenderedPost(NamedTuple):
    """One rendered post: an entry for one audience, language and network, ready to share.

    A NamedTuple rather than a frozen dataclass: it is built once per rendered post, and a frozen
    dataclass's ``__init__`` costs several times more on that hot path.
    """

    campaign: str
    entry_id: str
    kind: str
    part: str
    title: str
    audience: str
    language: str
    network: str
    due: datetime
    day_bound: bool
    template: str
    text: str
    parts: tuple[str, ...]
    measure: Measure
    # the image of the first part and the link card, as the publishers take them
    media: tuple[dict[str, Any], ...] = ()
    # the year the calendar was moved to (Schedule.moved_to); None in the file's own year
    moved_to: int | None = None

    @property
    def key(self) -> str:
        """Stable identity of this post across runs: campaign/entry/audience/language/network.

        A calendar moved to another year names it (``endchildlabour2021@2027/…``), so its posts
        are queued beside the file's own year's; the file's own year keeps the key it always had.
        """
        campaign = self.campaign if self.moved_to is None else f"{self.campaign}@{self.moved_to}"
        return "/".join((campaign, self.entry_id, self.audience, self.language, self.network))

    @property
    def timezone(self) -> str:
        """The IANA name of the timezone the post is due in."""
        return str(self.due.tzinfo)

    def facets(self) -> list[list[Facet]]:
        """Bluesky rich-text facets for each part (empty lists on other networks)."""
        if self.network != "bluesky":
            return [[] for _ in self.parts]
        return [bluesky_facets(part) for part in self.parts]


def clean_text(text: str) -> str:
    """Trim a rendered template: no trailing spaces, at most one blank line between paragraphs."""
    text = text.strip()
    if " \n" in text or "\t\n" in text:
        text = _TRAILING_SPACE.sub("\n", text)
    if "\n\n\n" in text or "\n \n" in text:
        text = _BLANK_LINES.sub("\n\n", text)
    return text


class Renderer:
    """Renders occurrences of a schedule for audiences, languages and networks."""

    def __init__(
        self,
        schedule: Schedule,
        *,
        template_dirs: Sequence[Path] = (),
        profile: Profile | None = None,
        limits: NetworkLimits | None = None,
    ) -> None:
        self.schedule = schedule
        self.profile = profile or Profile()
        self.limits = limits or NetworkLimits(
            mastodon_characters=schedule.campaign.mastodon_characters
        )
        own = [schedule.template_dir] if schedule.template_dir else []
        self.search_path = [Path(d) for d in template_dirs] + own + [builtin_templates()]
        # templates come with shared schedules: the sandbox keeps them from acting (see
        # campaign/content/limits.py); a post is small, so its render gets tight limits
        self.env = environment(
            FolderLoader(self.search_path),
            autoescape=False, trim_blocks=True, lstrip_blocks=True, keep_trailing_newline=False,
            max_steps=POST_STEPS, max_output=POST_OUTPUT, max_seconds=POST_SECONDS,
        )
        self._templates: dict[str, CampaignTemplate] = {}
        self._dates: dict[tuple[date, str], tuple[str, str]] = {}
        self._ideas: dict[tuple[str, str], PledgeIdeas] = {}
        self._media_cache: dict[tuple[str, str, str], tuple[dict[str, Any], ...]] = {}
        self._profiles = {n: self.profile.for_network(n)
                          for n in (*NETWORKS, *schedule.campaign.networks)}
        self._moved_to = schedule.moved_to  # read once: render() is the hot path

    # -- templates -------------------------------------------------------------------------
    @staticmethod
    def template_name(template: str, language: str) -> str:
        """The file a template of an entry is read from, relative to a template folder."""
        return f"{language}/{template}.j2"

    def template(self, name: str, entry: str = "") -> CampaignTemplate:
        """The compiled template ``name``, with every way loading fails turned into TemplateError."""
        cached = self._templates.get(name)
        if cached is not None:
            return cached
        try:
            compiled = self.env.get_template(name)
        except jinja2.TemplateNotFound:
            folders = ", ".join(str(d) for d in self.search_path)
            raise TemplateError(name, f"not found in {folders}: create it or fix the entry's "
                                "'template'", entry=entry) from None
        except jinja2.TemplateSyntaxError as exc:
            raise TemplateError(name, f"syntax error: {exc.message}", entry=entry,
                                line=exc.lineno) from None
        except UnicodeDecodeError:
            raise TemplateError(name, "is not UTF-8: save it as UTF-8", entry=entry) from None
        except SecurityError as exc:
            raise TemplateError(name, f"refused: {exc.message}", entry=entry) from None
        except OSError as exc:
            raise TemplateError(name, f"cannot be read ({exc.strerror})", entry=entry) from None
        assert isinstance(compiled, CampaignTemplate)
        self._templates[name] = compiled
        return compiled

    # -- context ---------------------------------------------------------------------------
    def _date_texts(self, day: date, language: str) -> tuple[str, str]:
        key = (day, language)
        texts = self._dates.get(key)
        if texts is None:
            from babel.dates import format_date, format_skeleton

            texts = (format_date(day, "long", locale=language),
                     format_skeleton("MMMMd", day, locale=language))
            self._dates[key] = texts
        return texts

    def _pledge_ideas(self, audience_id: str, language: str) -> PledgeIdeas:
        key = (audience_id, language)
        found = self._ideas.get(key)
        if found is None:
            pledges = self.schedule.pledges
            found = self._ideas[key] = (
                pledges.ideas(audience_id, language, self.schedule.year) if pledges
                else PledgeIdeas(form=self.schedule.campaign.site))
        return found

    def context(self, occ: Occurrence, audience_id: str, language: str,
                network: str) -> dict[str, Any]:
        """Everything a template may use; documented in templates/posts/README.md."""
        entry, camp = occ.entry, self.schedule.campaign
        audience = self.schedule.audience_by_id[audience_id]
        long_date, day_month = self._date_texts(occ.due.date(), language)
        # the date of the entry this one is relative to, e.g. the World Day a post leads up to
        anchor = self.schedule.occurrence_by_id.get(entry.relative_to) if entry.relative_to \
            else None
        anchor_date, anchor_day_month = self._date_texts(anchor.due.date(), language) \
            if anchor else ("", "")
        return {
            **self.env.globals,
            "campaign": camp,
            "campaign_name": camp.name[language],
            "organiser": camp.organiser_in(language),
            "pledge_ideas": self._pledge_ideas(audience_id, language),
            "anchor_date": anchor_date,
            "anchor_day_month": anchor_day_month,
            "entry": entry,
            "title": entry.title[language],
            "action": entry.action[language] if entry.action else "",
            "audience": audience,
            "audience_name": audience.name[language],
            "profile": self._profiles[network],
            "network": network,
            "lang": language,
            "date": long_date,
            "day_month": day_month,
            "due": occ.due,
        }

    # -- rendering -------------------------------------------------------------------------
    def render(self, occ: Occurrence, audience_id: str, language: str, network: str) -> RenderedPost:
        """Render one post; raise TemplateError or TooLongError naming what to fix."""
        entry = occ.entry
        name = self.template_name(entry.template, language)
        template = self._templates.get(name) or self.template(name, entry.id)
        text = clean_text(self._render_template(template, name, entry.id,
                                                self.context(occ, audience_id, language, network)))
        if (bad := _UNWRITABLE.search(text)) is not None:
            raise TemplateError(name, _unwritable(bad.group()), entry=entry.id)
        if is_blank(text):
            # an empty post (or one of zero-width characters only) must never be planned or
            # published
            raise EmptyPostError(name, entry.id, language, network, audience=audience_id)
        counted = measure(network, text, self.limits)
        parts: tuple[str, ...] = (text,)
        if not counted.fits:
            if not entry.thread:
                raise TooLongError(entry.id, language, network, counted.length, counted.limit,
                                   audience=audience_id)
            parts = tuple(split_thread(text, network, self.limits))
        return RenderedPost(
            campaign=self.schedule.campaign.id, entry_id=entry.id, kind=entry.kind,
            part=entry.part, title=entry.title[language], audience=audience_id,
            language=language, network=network, due=occ.due, day_bound=occ.day_bound,
            template=name, text=text, parts=parts, measure=counted,
            media=self._media_of(entry, language, parts[0]) if entry.image or entry.card else (),
            moved_to=self._moved_to,
        )

    def _media_of(self, entry: Entry, language: str, first_part: str) -> tuple[dict[str, Any], ...]:
        # the same entry, language and first part always have the same media: the image is
        # resolved, checked and measured once per renderer, not once per audience and network
        # (its dicts are shared by those posts, which only read them)
        key = (entry.id, language, first_part)
        found = self._media_cache.get(key)
        if found is None:
            found = self._media_cache[key] = self._media(entry, language, first_part)
        return found

    def _media(self, entry: Entry, language: str, first_part: str) -> tuple[dict[str, Any], ...]:
        """The entry's image (its alt text in ``language``) and link card, if it has them."""
        from campaign.content.media import describe_image, resolve_image

        found: list[dict[str, Any]] = []
        if entry.image is not None:
            found.append({**describe_image(resolve_image(self.schedule.path.parent, entry.image.file)),
                          "alt": entry.image.alt[language]})
        links = [f.value for f in bluesky_facets(first_part) if f.kind == "link"]
        if entry.card and links:
            found.append({"type": "card", "uri": links[0], "title": entry.title[language],
                          "description": self.schedule.campaign.name.get(language, "")})
        return tuple(found)

    def _render_template(self, template: CampaignTemplate, name: str, entry_id: str,
                         context: dict[str, Any]) -> str:
        # Our context already holds the environment's globals (see context()), so it is passed
        # as the template's whole namespace: Template.render would copy and merge it per post.
        try:
            return template.render_context(context)
        except Exception:
            try:
                self.env.handle_exception()  # re-raises with the template's own line numbers
            except HashtagRoleError as exc:
                raise TemplateError(name, exc.message, entry=entry_id,
                                    line=_template_line(exc, name)) from None
            except jinja2.UndefinedError as exc:
                raise TemplateError(name, f"{exc.message}: use only the variables listed in "
                                    "templates/posts/README.md", entry=entry_id,
                                    line=_template_line(exc, name)) from None
            except jinja2.TemplateNotFound as exc:
                raise TemplateError(name, f"includes or imports '{exc.name}', which is not found "
                                    "in the template folders", entry=entry_id,
                                    line=_template_line(exc, name)) from None
            except SecurityError as exc:
                raise TemplateError(name, f"not allowed in a template: {exc.message} (templates "
                                    "are sandboxed: see templates/posts/README.md)",
                                    entry=entry_id, line=_template_line(exc, name)) from None
            except jinja2.TemplateError as exc:
                raise TemplateError(name, str(exc), entry=entry_id,
                                    line=_template_line(exc, name)) from None
            except RecursionError:
                raise TemplateError(name, "includes or calls itself without end",
                                    entry=entry_id) from None
            except MemoryError:
                raise TemplateError(name, "ran out of memory", entry=entry_id) from None
            except Exception as exc:  # a template's own mistake, e.g. 1/0 or 'a' - 1
                raise TemplateError(name, f"fails: {type(exc).__name__}: {exc}",
                                    entry=entry_id, line=_template_line(exc, name)) from None
            raise

    def combinations(
        self, occurrences: Iterable[Occurrence], *, audiences: Iterable[str] = (),
        languages: Iterable[str] = (), networks: Iterable[str] = (),
    ) -> Iterator[tuple[Occurrence, str, str, str]]:
        """Every (occurrence, audience, language, network) the filters keep, in calendar order."""
        wanted_aud = self.schedule.expand_audiences(audiences) if audiences else None
        langs = tuple(languages) or self.schedule.campaign.languages
        nets = tuple(networks)
        for occ in occurrences:
            for audience_id in occ.audiences:
                if wanted_aud is not None and audience_id not in wanted_aud:
                    continue
                for language in langs:
                    for network in occ.networks:
                        if not nets or network in nets:
                            yield occ, audience_id, language, network

    def posts(self, occurrences: Iterable[Occurrence], **filters: Iterable[str]) -> Iterator[RenderedPost]:
        """Render every combination the filters keep; the first problem stops the run."""
        for combo in self.combinations(occurrences, **filters):
            yield self.render(*combo)

    def check(self, occurrences: Iterable[Occurrence], **filters: Iterable[str]) -> list[CampaignError]:
        """Render every combination and collect every distinct problem instead of stopping."""
        problems: dict[str, CampaignError] = {}
        for combo in self.combinations(occurrences, **filters):
            try:
                self.render(*combo)
            except CampaignError as exc:
                # one missing template fails for every audience: say it once
                problems.setdefault(exc.message, exc)
        return list(problems.values())


def _unwritable(char: str) -> str:
    """Why a post cannot hold ``char``, and what to do."""
    if "\ud800" <= char <= "\udfff":
        return (f"writes U+{ord(char):04X}, half of a surrogate pair, which no network or file "
                "can hold: write the character itself (🌍, not \"\\ud83c\\udf0d\")")
    return (f"writes control character U+{ord(char):04X}, which a post may not hold: remove it "
            "(only tab and newlines are allowed)")


def _template_line(exc: BaseException, name: str) -> int | None:
    """The line of the template where rendering failed, read from Jinja's rewritten traceback."""
    for frame in reversed(traceback.extract_tb(exc.__traceback__)):
        if frame.filename and frame.filename.replace("\\", "/").endswith(name):
            return frame.lineno
    return None
