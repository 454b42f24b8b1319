"""The local Bluesky PDS (tests/servers/pds.py) works with the real atproto SDK.

Also pins down what the publisher relies on: putRecord with a caller-chosen TID record key and
``"swapRecord": null`` never makes a second record. Sent again with the same record (same CID) it is
a success without a commit; with a different record it fails 400 InvalidSwap.
"""

from __future__ import annotations

import contextlib
import json
import warnings
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

import pytest

from tests.servers.pds import LocalPDS, XrpcError

atproto = pytest.importorskip("atproto")
atproto_exceptions = pytest.importorskip("atproto.exceptions")

POST = "app.bsky.feed.post"
TEXT = "Stop child labour now #EndChildLabour2021"
TAG = "#EndChildLabour2021"
TID_ALPHABET = "234567abcdefghijklmnopqrstuvwxyz"  # base32-sortable


def tid(when: datetime, clock_id: int = 0) -> str:
    """A record key in TID form: 53 bits of microseconds since 1970, then a 10-bit clock id."""
    micros = int(when.timestamp()) * 1_000_000 + when.microsecond
    value = (micros << 10) | clock_id
    return "".join(TID_ALPHABET[(value >> shift) & 31] for shift in range(60, -1, -5))


def post_record(text: str = TEXT) -> dict[str, Any]:
    start = text.encode().index(TAG.encode())  # facet offsets are UTF-8 byte offsets
    return {
        "$type": POST,
        "text": text,
        "createdAt": "2021-06-12T07:30:00.000Z",
        "langs": ["en"],
        "facets": [{
            "index": {"byteStart": start, "byteEnd": start + len(TAG.encode())},
            "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": TAG[1:]}],
        }],
    }


@contextlib.contextmanager
def sdk_client(pds: LocalPDS, handle: str, password: str) -> Iterator[Any]:
    """A signed-in SDK client, its connections closed afterwards."""
    client = atproto.Client(base_url=pds.url)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # no appview: the profile lookup must not be tried
            client.login(handle, password, fetch_bsky_profile=False)
        yield client
    finally:
        client.request._client.close()


def test_tid_form() -> None:
    assert tid(datetime(2021, 6, 12, 7, 30, tzinfo=UTC)) == "3i6lmfsb5k222"
    assert len(tid(datetime.now(UTC))) == 13


def test_listens_on_loopback(local_pds: LocalPDS) -> None:
    assert local_pds.url.startswith("http://127.0.0.1:")
    assert local_pds.plc_url.startswith("http://127.0.0.1:")
    described = local_pds.xrpc("com.atproto.server.describeServer")
    assert described["availableUserDomains"] == [".test"]
    assert described["inviteCodeRequired"] is False


def test_sdk_signs_in_with_app_password(local_pds: LocalPDS) -> None:
    account = local_pds.create_account("alice")
    assert account.handle == "alice.test"
    assert account.did.startswith("did:plc:")
    with sdk_client(local_pds, account.handle, account.app_password) as client:
        assert client.me is None
        session = client.com.atproto.server.get_session()
        assert (session.did, session.handle) == (account.did, account.handle)
        # A used prefix gets a suffix, so session-wide accounts never clash.
        assert local_pds.create_account("alice").handle == "alice-2.test"


def test_put_record_with_tid_key_reads_back(local_pds: LocalPDS) -> None:
    account = local_pds.create_account("bob")
    with sdk_client(local_pds, account.handle, account.app_password) as client:
        rkey = tid(datetime(2021, 6, 12, 7, 30, tzinfo=UTC))
        out = client.com.atproto.repo.put_record(atproto.models.ComAtprotoRepoPutRecord.Data(
            repo=account.did, collection=POST, rkey=rkey, record=post_record()))
        assert out.uri == f"at://{account.did}/{POST}/{rkey}"

        got = local_pds.get_record(account.did, POST, rkey)
        assert got["cid"] == out.cid
        assert got["value"]["text"] == TEXT
        # The SDK's models add "$type" to the facet and its index; the rest is as sent.
        facet = got["value"]["facets"][0]
        assert facet["$type"] == "app.bsky.richtext.facet"
        index = {k: v for k, v in facet["index"].items() if k != "$type"}
        assert index == post_record()["facets"][0]["index"]
        assert facet["features"] == post_record()["facets"][0]["features"]
        assert [r["uri"] for r in local_pds.list_records(account.did)] == [out.uri]
        # The SDK reads it back too.
        sdk_got = client.com.atproto.repo.get_record(
            atproto.models.ComAtprotoRepoGetRecord.Params(repo=account.did, collection=POST, rkey=rkey))
        assert sdk_got.value.text == TEXT
        assert sdk_got.value.facets[0].features[0].tag == TAG[1:]


def test_put_record_again_with_null_swap_never_duplicates(local_pds: LocalPDS) -> None:
    account = local_pds.create_account("carol")
    with sdk_client(local_pds, account.handle, account.app_password) as client:
        rkey = tid(datetime(2021, 6, 12, 7, 30, tzinfo=UTC), clock_id=7)
        body = {"repo": account.did, "collection": POST, "rkey": rkey, "record": post_record(),
                "swapRecord": None}  # null: "only if no record has this key yet"

        def put(raw: bytes) -> Any:
            # The SDK drops None fields from models, so send the JSON bytes through its raw call.
            return client.invoke_procedure("com.atproto.repo.putRecord", content=raw,
                                           input_encoding="application/json").content

        first = put(json.dumps(body).encode())
        assert first["commit"]["rev"]
        rev = local_pds.xrpc("com.atproto.sync.getLatestCommit", params={"did": account.did})["rev"]

        # (a) Same record again (the PDS compares CIDs, so key order is irrelevant): success, no commit.
        again = put(json.dumps(body, sort_keys=True).encode())
        assert again == {"uri": first["uri"], "cid": first["cid"], "validationStatus": "valid"}
        assert local_pds.xrpc("com.atproto.sync.getLatestCommit", params={"did": account.did})["rev"] == rev

        # (b) A different record under the same key: 400 InvalidSwap naming the CID already there.
        changed = json.dumps({**body, "record": post_record(TEXT + " Today.")}).encode()
        with pytest.raises(atproto_exceptions.BadRequestError) as caught:
            put(changed)
        assert caught.value.response.status_code == 400
        assert caught.value.response.content.error == "InvalidSwap"
        assert caught.value.response.content.message == f"Record was at {first['cid']}"
        with pytest.raises(XrpcError) as raw_caught:  # the same through plain HTTP
            local_pds.xrpc("com.atproto.repo.putRecord", body=changed, token=account.access_jwt)
        assert (raw_caught.value.status, raw_caught.value.error) == (400, "InvalidSwap")

        records = local_pds.list_records(account.did)
        assert [(r["uri"], r["cid"]) for r in records] == [(first["uri"], first["cid"])]
        assert records[0]["value"]["text"] == TEXT
