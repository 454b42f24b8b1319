"""The users store on both backends: names, roles, argon2 passwords, removal, the audit log."""

from __future__ import annotations

import pytest

from campaign.errors import CampaignError, UsageError
from campaign.queue.store import Store
from campaign.users import passwords
from campaign.users.roles import Role
from campaign.users.store import LastAdmin, UserExists, UserNotFound, UserStore
from tests.conftest import BACKENDS

pytestmark = pytest.mark.parametrize("database_url", BACKENDS, indirect=True)
PASSWORD = "correct horse battery"


@pytest.fixture
def users(database_url: str) -> UserStore:
    Store(database_url).upgrade()
    return UserStore(database_url)


def test_add_and_sign_in(users: UserStore) -> None:
    added = users.add("Amina", "approver", PASSWORD, actor="test")
    assert added.role is Role.APPROVER and added.last_login_at is None
    assert users.authenticate("amina", PASSWORD) == users.named("AMINA")
    assert users.named("amina").last_login_at is not None
    assert users.authenticate("amina", "wrong password") is None
    assert users.authenticate("nobody", PASSWORD) is None


def test_the_hash_is_argon2id_and_never_handed_out(users: UserStore, database_url: str) -> None:
    from sqlalchemy import create_engine, text

    user = users.add("eli", "editor", PASSWORD, actor="test")
    assert "password" not in repr(user) or "hash" not in repr(user)
    with create_engine(database_url).connect() as conn:
        stored = conn.execute(text("SELECT password_hash FROM users")).scalar_one()
    assert stored.startswith("$argon2id$") and PASSWORD not in stored
    assert not any(PASSWORD in str(e.after) for e in users.audit_entries())


def test_names_are_one_user_whatever_their_case(users: UserStore) -> None:
    users.add("Amina", "viewer", PASSWORD, actor="test")
    with pytest.raises(UserExists):
        users.add("ＡＭＩＮＡ ", "viewer", PASSWORD, actor="test")


@pytest.mark.parametrize(("name", "password", "message"), [
    ("eli", "short", "too short"), ("eli", "x" * 300, "too long"),
    ("long password name", "long password name", "user's name"),
    ("", PASSWORD, "cannot be empty"), ("a\x1bb", PASSWORD, "control characters"),
    # the users page's buttons post to /users/<name>/...: dots there would leave the page
    ("..", PASSWORD, "between slashes"), ("team/./eli", PASSWORD, "between slashes")])
def test_bad_names_and_passwords_are_refused(users: UserStore, name: str, password: str,
                                             message: str) -> None:
    with pytest.raises(CampaignError, match=message):
        users.add(name, "viewer", password, actor="test")
    assert users.users() == []


def test_unknown_role_names_the_choices(users: UserStore) -> None:
    with pytest.raises(UsageError, match="admin, approver, editor, viewer"):
        users.add("eli", "boss", PASSWORD, actor="test")


def test_remove_and_reset_bump_the_session_epoch(users: UserStore) -> None:
    users.add("ada", "admin", PASSWORD, actor="test")
    eli = users.add("eli", "editor", PASSWORD, actor="test")
    reset = users.reset_password("eli", "a brand new password", actor="ada")
    assert reset.session_epoch == eli.session_epoch + 1
    assert users.authenticate("eli", PASSWORD) is None
    assert users.authenticate("eli", "a brand new password") is not None
    users.remove("eli", actor="ada")
    assert users.get(eli.id) is None and users.authenticate("eli", "a brand new password") is None
    with pytest.raises(UserNotFound):
        users.named("eli")
    with pytest.raises(UserExists):  # the log keeps naming the removed user: no second "eli"
        users.add("eli", "viewer", PASSWORD, actor="ada")


def test_the_last_admin_stays(users: UserStore) -> None:
    users.add("ada", "admin", PASSWORD, actor="test")
    with pytest.raises(LastAdmin):
        users.remove("ada", actor="ada")
    with pytest.raises(LastAdmin):
        users.set_role("ada", "viewer", actor="ada")
    users.add("bo", "admin", PASSWORD, actor="ada")
    users.set_role("ada", "viewer", actor="bo")
    assert users.named("ada").role is Role.VIEWER


def test_every_change_is_in_the_audit_log(users: UserStore) -> None:
    users.add("ada", "admin", PASSWORD, actor="cli:root")
    users.add("eli", "editor", PASSWORD, actor="ada")
    users.set_role("eli", "approver", actor="ada")
    users.remove("eli", actor="ada")
    log = users.audit_entries()
    assert [(e.actor, e.action) for e in log] == [
        ("ada", "user.remove"), ("ada", "user.role"), ("ada", "user.add"),
        ("cli:root", "user.add")]
    assert log[1].before == {"role": "editor"} and log[1].after == {"role": "approver"}


def test_a_stale_hash_is_upgraded_at_sign_in(users: UserStore, database_url: str) -> None:
    from argon2 import PasswordHasher
    from sqlalchemy import create_engine, text

    users.add("eli", "editor", PASSWORD, actor="test")
    weak = PasswordHasher(time_cost=1, memory_cost=8192).hash(PASSWORD)
    engine = create_engine(database_url)
    with engine.begin() as conn:
        conn.execute(text("UPDATE users SET password_hash = :h"), {"h": weak})
    assert passwords.needs_rehash(weak)
    assert users.authenticate("eli", PASSWORD) is not None
    with engine.connect() as conn:
        assert conn.execute(text("SELECT password_hash FROM users")).scalar_one() != weak
