"""A pledger's handles on seven networks, and a Bluesky handle resolved to its DID on the real
test PDS and on small HTTP servers that misbehave; nothing here reaches the internet."""

from __future__ import annotations

import contextlib
import socket
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import TYPE_CHECKING

import pytest

from campaign.errors import CampaignError
from campaign.pledges.handles import (
    DEFAULT_RESOLVER,
    EXAMPLES,
    MAX_ANSWER_BYTES,
    NETWORK_LABELS,
    PLEDGE_NETWORKS,
    PledgeHandleError,
    Resolution,
    check_pledge_handle,
    resolve_bluesky,
    resolve_bluesky_did,
    resolver_from_env,
    valid_did,
)

if TYPE_CHECKING:
    from tests.servers.pds import LocalPDS

PLC = "did:plc:ewvi7nxzyoun6zhxrhs64oiz"

VALID = [
    # X: our accounts' rule (campaign.platforms.handles), stored with its @
    pytest.param("x", "@ILO", "@ILO", id="x-at"),
    pytest.param("x", "ILO_fr", "@ILO_fr", id="x-without-at"),
    pytest.param("x", "  @ILO\t", "@ILO", id="x-spaces-stripped"),
    pytest.param("x", "@a23456789012345", "@a23456789012345", id="x-15-chars"),
    # Bluesky: a domain, in lower case, no @
    pytest.param("bluesky", "ilo.bsky.social", "ilo.bsky.social", id="bluesky-bsky-social"),
    pytest.param("bluesky", "@ILO.Bsky.Social", "ilo.bsky.social", id="bluesky-at-and-case"),
    pytest.param("bluesky", "ilo.org", "ilo.org", id="bluesky-own-domain"),
    # Mastodon: @user@instance
    pytest.param("mastodon", "@ilo@mastodon.social", "@ilo@mastodon.social", id="mastodon-full"),
    pytest.param("mastodon", "ilo@Mastodon.Social", "@ilo@mastodon.social", id="mastodon-no-at"),
    pytest.param("mastodon", "@OIT_fr@social.example.org", "@OIT_fr@social.example.org",
                 id="mastodon-user-case-kept"),
    # Facebook: letters, digits, periods
    pytest.param("facebook", "ILO", "ILO", id="facebook-short-old-username"),
    pytest.param("facebook", "ilo.org", "ilo.org", id="facebook-org-allowed"),
    pytest.param("facebook", "@OIT.Geneve", "OIT.Geneve", id="facebook-at-dropped"),
    pytest.param("facebook", "100064758844406", "100064758844406", id="facebook-profile-number"),
    # Instagram: letters, digits, _ and single inner periods, in lower case
    pytest.param("instagram", "ilo", "ilo", id="instagram-plain"),
    pytest.param("instagram", "@ILO_OIT", "ilo_oit", id="instagram-at-and-case"),
    pytest.param("instagram", "oit.en.francais", "oit.en.francais", id="instagram-periods"),
    pytest.param("instagram", "_ilo_", "_ilo_", id="instagram-underscores-at-ends"),
    pytest.param("instagram", "a" * 30, "a" * 30, id="instagram-30-chars"),
    # LinkedIn: in/<slug> or company/<slug>
    pytest.param("linkedin", "company/ilo", "company/ilo", id="linkedin-company"),
    pytest.param("linkedin", "Company/ILO/", "company/ilo", id="linkedin-case-and-slash"),
    pytest.param("linkedin", "in/jane-doe-2a1ba6258", "in/jane-doe-2a1ba6258",
                 id="linkedin-member-assigned"),
    pytest.param("linkedin", "school/univ-geneve", "school/univ-geneve", id="linkedin-school"),
    pytest.param("linkedin", "showcase/ilo-ipec", "showcase/ilo-ipec", id="linkedin-showcase"),
    pytest.param("linkedin", "company/hp", "company/hp", id="linkedin-company-two-letters"),
    # TikTok: stored with its @
    pytest.param("tiktok", "@ilo", "@ilo", id="tiktok-at"),
    pytest.param("tiktok", "ilo.oit_2021", "@ilo.oit_2021", id="tiktok-without-at"),
    pytest.param("tiktok", "@" + "a" * 24, "@" + "a" * 24, id="tiktok-24-chars"),
]

URLS = [
    pytest.param("x", "https://x.com/ILO", "@ILO", id="x-url"),
    pytest.param("x", "https://twitter.com/ILO_fr?lang=fr", "@ILO_fr", id="x-twitter-url-query"),
    pytest.param("x", "https://mobile.twitter.com/ILO/", "@ILO", id="x-mobile-url"),
    pytest.param("x", "x.com/ILO", "@ILO", id="x-url-without-scheme"),
    pytest.param("bluesky", "https://bsky.app/profile/ilo.bsky.social", "ilo.bsky.social",
                 id="bluesky-url"),
    pytest.param("bluesky", "https://bsky.app/profile/ILO.org/post/3k2", "ilo.org",
                 id="bluesky-post-url"),
    pytest.param("mastodon", "https://mastodon.social/@ilo", "@ilo@mastodon.social",
                 id="mastodon-url"),
    pytest.param("mastodon", "https://Social.Example.org/users/oit", "@oit@social.example.org",
                 id="mastodon-users-url"),
    pytest.param("mastodon", "https://mastodon.social/@ilo@ilo.social", "@ilo@ilo.social",
                 id="mastodon-remote-profile-url"),
    pytest.param("mastodon", "mastodon.social/@ilo", "@ilo@mastodon.social",
                 id="mastodon-url-without-scheme"),
    pytest.param("facebook", "https://www.facebook.com/ILO", "ILO", id="facebook-url"),
    pytest.param("facebook", "https://m.facebook.com/ilo.org/about/", "ilo.org",
                 id="facebook-mobile-subpage-url"),
    pytest.param("facebook", "https://www.facebook.com/profile.php?id=100064758844406",
                 "100064758844406", id="facebook-profile-number-url"),
    pytest.param("instagram", "https://www.instagram.com/ilo/", "ilo", id="instagram-url"),
    pytest.param("instagram", "http://instagram.com/ILO?igsh=abc", "ilo", id="instagram-url-query"),
    pytest.param("linkedin", "https://www.linkedin.com/company/ilo/", "company/ilo",
                 id="linkedin-company-url"),
    pytest.param("linkedin", "https://fr.linkedin.com/company/ilo/posts/?feedView=all",
                 "company/ilo", id="linkedin-country-subpage-url"),
    pytest.param("linkedin", "https://www.linkedin.com/in/jane-doe/", "in/jane-doe",
                 id="linkedin-member-url"),
    pytest.param("facebook", "https://www.facebook.com/people/Awa-Diop/100063123456789/",
                 "100063123456789", id="facebook-people-url"),
    pytest.param("facebook", "https://www.facebook.com/pages/OIT/123456789", "123456789",
                 id="facebook-pages-url"),
    pytest.param("facebook", "https://www.facebook.com/Minist%C3%A8re-du-Travail-123456789/",
                 "123456789", id="facebook-old-page-url"),
    pytest.param("facebook", "https://www.facebook.com/pg/ILO/about/", "ILO",
                 id="facebook-pg-url"),
    pytest.param("instagram", "https://www.instagram.com/stories/ilo/3123/", "ilo",
                 id="instagram-story-url"),
    pytest.param("linkedin", "https://fr.linkedin.com/in/fran%C3%A7ois-dupont-1a2b",
                 "in/françois-dupont-1a2b", id="linkedin-member-url-accents"),
    pytest.param("linkedin", "in/José-García", "in/josé-garcía", id="linkedin-member-accents"),
    pytest.param("tiktok", "https://www.tiktok.com/@ilo", "@ilo", id="tiktok-url"),
    pytest.param("tiktok", "https://www.tiktok.com/@ilo/video/7212", "@ilo", id="tiktok-video-url"),
]

INVALID = [
    # (network, handle, a fragment the message must hold)
    pytest.param("x", "@a234567890123456", "1 to 15", id="x-16-chars"),
    pytest.param("x", "@ilo-fr", "1 to 15", id="x-hyphen"),
    pytest.param("x", "@ILO\x1b[2J", "control character", id="x-escape-sequence"),
    pytest.param("x", "https://x.com/search?q=ilo", "not a X profile link", id="x-search-url"),
    pytest.param("bluesky", "ilo", "domain name", id="bluesky-no-dot"),
    pytest.param("bluesky", "ilo.local", ".local", id="bluesky-reserved-tld"),
    pytest.param("bluesky", "https://bsky.app/profile/" + PLC, "DID", id="bluesky-did-url"),
    pytest.param("bluesky", "https://bsky.app/search?q=ilo", "not a Bluesky profile link",
                 id="bluesky-not-profile-url"),
    pytest.param("mastodon", "@ilo", "does not name its instance", id="mastodon-bare-user"),
    pytest.param("mastodon", "ilo", "does not name its instance", id="mastodon-bare-name"),
    pytest.param("mastodon", "@i lo@mastodon.social", "@user@instance", id="mastodon-space"),
    pytest.param("mastodon", "https://mastodon.social/about", "not a Mastodon profile link",
                 id="mastodon-not-profile-url"),
    pytest.param("facebook", "ilo_org", "letters (A-Z), digits and periods", id="facebook-underscore"),
    pytest.param("facebook", "ilo.com", "extension", id="facebook-extension"),
    pytest.param("facebook", "a" * 51, "up to 50", id="facebook-51-chars"),
    pytest.param("facebook", "https://www.facebook.com/groups/123", "not a Facebook profile link",
                 id="facebook-group-url"),
    pytest.param("instagram", "a" * 31, "1 to 30", id="instagram-31-chars"),
    pytest.param("instagram", ".ilo", "not starting or ending with a period", id="instagram-leading-dot"),
    pytest.param("instagram", "ilo.", "not starting or ending with a period", id="instagram-trailing-dot"),
    pytest.param("instagram", "ilo..oit", "no two periods", id="instagram-double-dot"),
    pytest.param("instagram", "ilo-oit", "1 to 30", id="instagram-hyphen"),
    pytest.param("instagram", "https://www.facebook.com/ilo", "not to Instagram",
                 id="instagram-link-to-facebook"),
    pytest.param("linkedin", "ilo", "person (in/<name>) or an organisation", id="linkedin-bare-slug"),
    pytest.param("linkedin", "in/jo", "3 to 100", id="linkedin-member-too-short"),
    pytest.param("linkedin", "in/" + "a" * 101, "in/<name>", id="linkedin-member-too-long"),
    pytest.param("linkedin", "in/jane_doe", "inner hyphens", id="linkedin-underscore"),
    pytest.param("linkedin", "in/-jane", "inner hyphens", id="linkedin-leading-hyphen"),
    pytest.param("linkedin", "in/linkedinjane", "the word LinkedIn", id="linkedin-word-linkedin"),
    pytest.param("linkedin", "groups/123", "in/<name>", id="linkedin-group"),
    pytest.param("linkedin", "https://www.linkedin.com/feed/", "in/<name>", id="linkedin-feed-url"),
    pytest.param("facebook", "https://www.facebook.com/reel/1234567", "not a Facebook profile link",
                 id="facebook-reel-url"),
    pytest.param("facebook", "https://www.facebook.com/story.php?story_fbid=1&id=2",
                 "not a Facebook profile link", id="facebook-story-url"),
    pytest.param("facebook", "https://www.facebook.com/people/Awa-Diop/",
                 "not a Facebook profile link", id="facebook-people-url-without-number"),
    pytest.param("instagram", "https://www.instagram.com/p/CxYz123/", "profile link",
                 id="instagram-post-url"),
    pytest.param("instagram", "https://www.instagram.com/explore/tags/ilo/", "profile link",
                 id="instagram-explore-url"),
    pytest.param("linkedin", "in/jané-", "inner hyphens", id="linkedin-trailing-hyphen-accents"),
    pytest.param("tiktok", "@ilo.", "not ending with a period", id="tiktok-trailing-dot"),
    pytest.param("tiktok", "@i", "2 to 24", id="tiktok-1-char"),
    pytest.param("tiktok", "@" + "a" * 25, "2 to 24", id="tiktok-25-chars"),
    pytest.param("tiktok", "@ilo-oit", "2 to 24", id="tiktok-hyphen"),
    pytest.param("tiktok", "https://www.tiktok.com/ilo", "/@name", id="tiktok-url-without-at"),
]


@pytest.mark.parametrize(("network", "handle", "stored"), VALID)
def test_valid_handles_are_normalised_for_storage(network: str, handle: str, stored: str) -> None:
    assert check_pledge_handle(network, handle) == stored
    # what is stored is itself a valid handle, stored the same way again
    assert check_pledge_handle(network, stored) == stored


@pytest.mark.parametrize(("network", "url", "stored"), URLS)
def test_profile_links_become_handles(network: str, url: str, stored: str) -> None:
    assert check_pledge_handle(network, url) == stored


@pytest.mark.parametrize(("network", "handle", "fragment"), INVALID)
def test_malformed_handles_are_refused_with_the_rule(network: str, handle: str, fragment: str) -> None:
    with pytest.raises(PledgeHandleError) as caught:
        check_pledge_handle(network, handle)
    error = caught.value
    assert error.exit_code == 2
    assert isinstance(error, CampaignError)
    assert fragment in error.message
    assert error.message.startswith(f"{NETWORK_LABELS[network]} handle ")
    assert "write e.g. " in error.message
    assert "\x1b" not in error.message
    assert "\n" not in error.message


@pytest.mark.parametrize("network", PLEDGE_NETWORKS)
def test_every_message_names_the_network_and_an_example_that_passes(network: str) -> None:
    with pytest.raises(PledgeHandleError) as caught:
        check_pledge_handle(network, "no good!")
    message = caught.value.message
    assert NETWORK_LABELS[network] in message
    assert "'no good!'" in message
    examples = message.rsplit("write e.g. ", 1)[1].split(" or ")
    for example in examples:  # every example a message gives is itself accepted
        check_pledge_handle(network, example)
    check_pledge_handle(network, EXAMPLES[network])


@pytest.mark.parametrize("network", PLEDGE_NETWORKS)
@pytest.mark.parametrize("handle", [pytest.param("", id="empty"), pytest.param("   ", id="spaces")])
def test_an_empty_handle_is_refused(network: str, handle: str) -> None:
    with pytest.raises(PledgeHandleError, match="is empty"):
        check_pledge_handle(network, handle)


def test_a_long_handle_is_shortened_in_the_message() -> None:
    with pytest.raises(PledgeHandleError) as caught:
        check_pledge_handle("instagram", "x" * 200)
    assert "x" * 61 not in caught.value.message
    assert "…" in caught.value.message


def test_an_enormous_input_is_refused_before_parsing() -> None:
    with pytest.raises(PledgeHandleError, match="over the 300"):
        check_pledge_handle("linkedin", "https://www.linkedin.com/in/" + "a" * 400)


@pytest.mark.parametrize("network", [
    pytest.param("youtube", id="unknown"), pytest.param("X", id="wrong-case"),
    pytest.param("outbox", id="our-outbox-not-a-pledge-network")])
def test_an_unknown_network_lists_the_pledge_networks(network: str) -> None:
    with pytest.raises(PledgeHandleError) as caught:
        check_pledge_handle(network, "@ilo")
    assert caught.value.exit_code == 2
    assert caught.value.message == (
        f"unknown network {network!r} for a pledge handle: choose one of "
        "x, bluesky, mastodon, facebook, instagram, linkedin, tiktok")


def test_labels_cover_every_network() -> None:
    assert set(NETWORK_LABELS) == set(PLEDGE_NETWORKS) == set(EXAMPLES)
    assert NETWORK_LABELS["x"] == "X"
    assert NETWORK_LABELS["linkedin"] == "LinkedIn"
    assert NETWORK_LABELS["tiktok"] == "TikTok"


@pytest.mark.parametrize(("value", "ok"), [
    pytest.param(PLC, True, id="plc"),
    pytest.param("did:web:ilo.org", True, id="web"),
    pytest.param("did:plc:EWVI7NXZYOUN6ZHXRHS64OIZ", False, id="plc-upper-case"),
    pytest.param("did:plc:ewvi7nxzyoun6zhxrhs64oi", False, id="plc-23-chars"),
    pytest.param("did:plc:ewvi7nxzyoun6zhxrhs64o18", False, id="plc-not-base32"),
    pytest.param("did:web:ilo.org:user:alice", False, id="web-path"),
    pytest.param("did:web:@ilo.org", False, id="web-at"),
    pytest.param("did:key:z6Mkabc", False, id="other-method"),
    pytest.param(PLC + "\n", False, id="trailing-newline"),
    pytest.param(42, False, id="not-a-string"),
])
def test_valid_did(value: object, ok: bool) -> None:
    assert (valid_did(value) == value) is ok


# --- resolving on the real test PDS --------------------------------------------------------------

def test_a_pds_account_handle_resolves_to_its_did(local_pds: LocalPDS) -> None:
    account = local_pds.create_account("pledger")
    resolution = resolve_bluesky(account.handle, service=local_pds.url)
    assert resolution == Resolution(account.did, "resolved")
    assert resolution.did is not None and resolution.did.startswith("did:plc:")
    # the same through the DID-only call, the handle given as a profile link in upper case
    link = f"https://bsky.app/profile/{account.handle.upper()}"
    assert resolve_bluesky_did(link, service=local_pds.url + "/") == account.did


def test_an_unknown_handle_on_the_pds_is_not_found(local_pds: LocalPDS) -> None:
    resolution = resolve_bluesky("nobody-pledged.test", service=local_pds.url)
    assert resolution.did is None
    assert resolution.outcome == "not_found"
    assert not resolution.should_retry
    assert "'nobody-pledged.test' does not exist" in resolution.problem


def test_a_malformed_handle_is_refused_before_any_request() -> None:
    with pytest.raises(PledgeHandleError, match="Bluesky handle"):
        resolve_bluesky("not a handle", service="http://127.0.0.1:9")


# --- services that are off, closed, silent or wrong ----------------------------------------------

def test_no_service_means_no_did_and_no_request() -> None:
    resolution = resolve_bluesky("ilo.bsky.social", service=None)
    assert resolution.did is None and resolution.outcome == "off" and resolution.should_retry
    assert resolve_bluesky_did("ilo.bsky.social") is None


def test_a_closed_port_gives_none_quickly() -> None:
    with socket.socket() as probe:  # a port that was free a moment ago: nothing listens there
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    started = time.monotonic()
    resolution = resolve_bluesky("ilo.bsky.social", service=f"http://127.0.0.1:{port}", timeout=5)
    assert time.monotonic() - started < 2
    assert resolution.did is None and resolution.outcome == "unreachable" and resolution.should_retry
    assert "could not be reached" in resolution.problem


def test_a_service_that_never_answers_times_out() -> None:
    with socket.socket() as silent:  # it listens (the kernel accepts) but never says a word
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        port = silent.getsockname()[1]
        started = time.monotonic()
        resolution = resolve_bluesky("ilo.bsky.social", service=f"http://127.0.0.1:{port}",
                                     timeout=0.3)
    assert time.monotonic() - started < 3
    assert resolution.outcome == "unreachable"
    assert "did not answer within 0.3 s" in resolution.problem


def test_a_service_that_is_not_http_is_refused() -> None:
    resolution = resolve_bluesky("ilo.bsky.social", service="ftp://127.0.0.1")
    assert resolution.did is None and resolution.outcome == "unreachable"


Answer = tuple[int, bytes, dict[str, str]]


@pytest.fixture
def fake_resolver() -> Iterator[tuple[str, Callable[[Answer], None], list[str]]]:
    """A tiny HTTP server on 127.0.0.1 answering what the test sets; it records the paths asked."""
    answer: list[Answer] = [(200, b"{}", {})]
    asked: list[str] = []

    class Handler(BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            asked.append(self.path)
            status, body, headers = answer[0]
            self.send_response(status)
            for name, value in {"Content-Type": "application/json", **headers}.items():
                self.send_header(name, value)
            if "Transfer-Encoding" not in headers:
                self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            # the client may stop reading a body too large: what it should do
            with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                self.wfile.write(body)

        def log_message(self, format: str, *args: object) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    # a short poll so that shutdown() returns at once at teardown
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.01},
                              daemon=True)
    thread.start()

    def set_answer(value: Answer) -> None:
        answer[0] = value

    try:
        yield f"http://127.0.0.1:{server.server_address[1]}", set_answer, asked
    finally:
        server.shutdown()
        server.server_close()


def test_the_request_is_resolve_handle_with_the_normalised_handle(
        fake_resolver: tuple[str, Callable[[Answer], None], list[str]]) -> None:
    url, answer, asked = fake_resolver
    answer((200, b'{"did": "did:web:ilo.org"}', {}))
    assert resolve_bluesky("@ILO.org", service=url) == Resolution("did:web:ilo.org", "resolved")
    assert asked == ["/xrpc/com.atproto.identity.resolveHandle?handle=ilo.org"]


@pytest.mark.parametrize(("status", "body", "outcome", "fragment"), [
    pytest.param(200, b"<html>hello</html>", "bad_answer", "without a valid DID", id="garbage"),
    pytest.param(200, b'{"did": "did:plc:\\u001b[2Jnot-a-did"}', "bad_answer", "without a valid DID",
                 id="invalid-did"),
    pytest.param(200, b'["did:plc:ewvi7nxzyoun6zhxrhs64oiz"]', "bad_answer", "without a valid DID",
                 id="json-not-an-object"),
    pytest.param(200, b'{"did": 42}', "bad_answer", "without a valid DID", id="did-not-a-string"),
    pytest.param(200, b"\xff\xfe\x00garbage", "bad_answer", "without a valid DID", id="binary"),
    pytest.param(400, b'{"error": "InvalidRequest", "message": "Unable to resolve handle"}',
                 "not_found", "does not exist", id="appview-not-found"),
    pytest.param(400, b'{"error": "Weird\\u001b[31m", "message": "x"}', "bad_answer",
                 "HTTP 400 to resolveHandle", id="400-odd-error-name-dropped"),
    pytest.param(404, b"Not Found", "bad_answer", "is it a Bluesky PDS or appview", id="not-xrpc"),
    pytest.param(301, b"", "bad_answer", "HTTP 301", id="redirect-not-followed"),
    pytest.param(500, b"oops", "unreachable", "HTTP 500", id="server-error"),
    pytest.param(200, b"\x1f\x8b", "bad_answer", "compressed body", id="gzip-not-asked-for"),
    pytest.param(429, b"{}", "unreachable", "HTTP 429", id="rate-limited"),
])
def test_a_service_answering_something_else_gives_none_with_a_reason(
        fake_resolver: tuple[str, Callable[[Answer], None], list[str]],
        status: int, body: bytes, outcome: str, fragment: str) -> None:
    url, answer, _ = fake_resolver
    headers = {"Location": "http://127.0.0.1:9/"} if status == 301 else {}
    if body.startswith(b"\x1f\x8b"):
        headers = {"Content-Encoding": "gzip"}
    answer((status, body, headers))
    resolution = resolve_bluesky("ilo.bsky.social", service=url, timeout=2)
    assert resolution.did is None
    assert resolution.outcome == outcome
    assert fragment in resolution.problem
    assert "\x1b" not in resolution.problem


@pytest.mark.parametrize("chunked", [pytest.param(False, id="with-length"),
                                     pytest.param(True, id="chunked")])
def test_a_huge_body_is_not_read_to_its_end(
        fake_resolver: tuple[str, Callable[[Answer], None], list[str]], chunked: bool) -> None:
    url, answer, _ = fake_resolver
    huge = b'{"did": "' + b"a" * (8 * 1024 * 1024) + b'"}'
    if chunked:  # one chunk of it, with no Content-Length to trust
        body = f"{len(huge):x}\r\n".encode() + huge + b"\r\n0\r\n\r\n"
        answer((200, body, {"Transfer-Encoding": "chunked"}))
    else:
        answer((200, huge, {}))
    resolution = resolve_bluesky("ilo.bsky.social", service=url, timeout=5)
    assert resolution.did is None
    assert resolution.outcome == "bad_answer"
    assert f"more than {MAX_ANSWER_BYTES // 1024} KiB" in resolution.problem


def test_credentials_in_the_service_url_never_reach_a_message() -> None:
    resolution = resolve_bluesky("ilo.bsky.social", service="http://user:s3cret@127.0.0.1:9")
    assert resolution.outcome == "unreachable"
    assert "s3cret" not in resolution.problem


# --- which service ------------------------------------------------------------------------------

@pytest.mark.parametrize(("value", "expected"), [
    pytest.param(None, DEFAULT_RESOLVER, id="unset"),
    pytest.param("", DEFAULT_RESOLVER, id="empty"),
    pytest.param("off", None, id="off"),
    pytest.param(" OFF ", None, id="off-any-case"),
    pytest.param("http://127.0.0.1:2583/", "http://127.0.0.1:2583", id="local-pds"),
    pytest.param("https://bsky.social", "https://bsky.social", id="pds"),
])
def test_resolver_from_env(value: str | None, expected: str | None) -> None:
    environ = {} if value is None else {"CAMPAIGN_BLUESKY_RESOLVER": value}
    assert resolver_from_env(environ) == expected


def test_resolver_from_env_reads_the_process_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("CAMPAIGN_BLUESKY_RESOLVER", "off")
    assert resolver_from_env() is None
    monkeypatch.delenv("CAMPAIGN_BLUESKY_RESOLVER")
    assert resolver_from_env() == DEFAULT_RESOLVER


@pytest.mark.parametrize("value", [
    pytest.param("bsky.social", id="no-scheme"), pytest.param("ftp://bsky.social", id="ftp"),
    pytest.param("https://", id="no-host"), pytest.param("https://x/?a=1", id="query"),
    pytest.param("no\x1b[2J", id="escape-sequence"),
])
def test_a_bad_resolver_setting_says_what_to_write(value: str) -> None:
    with pytest.raises(CampaignError) as caught:
        resolver_from_env({"CAMPAIGN_BLUESKY_RESOLVER": value})
    assert caught.value.exit_code == 2
    assert "CAMPAIGN_BLUESKY_RESOLVER" in caught.value.message
    assert "'off'" in caught.value.message
    assert "\x1b" not in caught.value.message


def test_importing_the_module_does_not_import_httpx() -> None:
    code = "import sys, campaign.pledges.handles; print('httpx' in sys.modules)"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
