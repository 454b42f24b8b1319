"""``campaign users``: add, list, role, reset-password, remove, log; errors exit 2 in a sentence."""

from __future__ import annotations

import json
from collections.abc import Callable

from click.testing import CliRunner, Result

from campaign.cli import cli

PASSWORD = "correct horse battery"


def _run(*args: str, stdin: str | None = None) -> Result:
    return CliRunner().invoke(cli, list(args), input=stdin, catch_exceptions=True)


def test_the_users_commands(db_cli: Callable[..., Result], database_url: str) -> None:
    assert db_cli("db", "upgrade").exit_code == 0
    db = ("--db", database_url)
    added = _run("users", "add", "ada", "--role", "admin", "--password-stdin", *db,
                 stdin=PASSWORD + "\n")
    assert added.exit_code == 0 and "Added ada (admin)." in added.output
    assert _run("users", "add", "eli", "--role", "editor", "--password-stdin", *db,
                stdin=PASSWORD + "\n").exit_code == 0
    listed = json.loads(_run("users", "list", "--json", *db).output)
    assert [(u["name"], u["role"]) for u in listed] == [("ada", "admin"), ("eli", "editor")]
    assert "eli is now approver." in _run("users", "role", "eli", "approver", *db).output
    reset = _run("users", "reset-password", "eli", "--password-stdin", *db,
                 stdin="another long password\n")
    assert reset.exit_code == 0 and "sessions have ended" in reset.output
    assert _run("users", "remove", "eli", *db).exit_code == 0
    log = json.loads(_run("users", "log", "--json", *db).output)
    assert [e["action"] for e in log][:3] == ["user.remove", "user.password", "user.role"]
    assert PASSWORD not in json.dumps(log) and "another long password" not in json.dumps(log)


def test_bad_input_is_one_sentence_and_exit_2(db_cli: Callable[..., Result],
                                              database_url: str) -> None:
    assert db_cli("db", "upgrade").exit_code == 0
    db = ("--db", database_url)
    for args, stdin, message in [
            (("users", "add", "ada", "--role", "boss"), None, "unknown role 'boss'"),
            (("users", "add", "ada", "--role", "admin", "--password-stdin"), "short\n",
             "too short"),
            (("users", "add", "ada", "--role", "admin"), None, "--password-stdin"),
            (("users", "remove", "nobody"), None, "no user named 'nobody'")]:
        result = _run(*args, *db, stdin=stdin)
        assert result.exit_code == 2, (args, result.output)
        assert message in result.output and "Traceback" not in result.output
