"""Staff accounts: argon2id hashes, sign-in checks, API tokens and the `user` commands."""

import hashlib

import psycopg
import pytest
from argon2 import PasswordHasher
from click.testing import CliRunner

from assetmap.cli import main
from assetmap.errors import InvalidParameter, NotFound
from assetmap.model import users

PASSWORD = "correct horse battery"


@pytest.fixture
def conn(fresh_db_url):
    with psycopg.connect(fresh_db_url, autocommit=True) as c:
        yield c


def test_add_user_stores_an_argon2id_hash_and_a_lower_case_email(conn):
    user_id = users.add_user(conn, "  Pat.Planner@Example.ORG ", PASSWORD, "planner", "Pat")
    email, role, name, password_hash = conn.execute(
        "SELECT email, role, display_name, password_hash FROM users WHERE id = %s", (user_id,)).fetchone()
    assert (email, role, name) == ("pat.planner@example.org", "planner", "Pat")
    assert password_hash.startswith("$argon2id$") and PASSWORD not in password_hash


def test_a_second_account_with_the_same_email_is_refused(conn):
    users.add_user(conn, "pat@example.org", PASSWORD, "planner")
    with pytest.raises(users.UserExists, match="already an account for pat@example.org") as exc:
        users.add_user(conn, "PAT@example.org", PASSWORD, "admin")
    assert exc.value.status == 409


@pytest.mark.parametrize("email, password, role, param", [
    ("pat@example.org", "short", "planner", "password"),
    ("pat@example.org", "x" * 11, "planner", "password"),
    ("not an email", PASSWORD, "planner", "email"),
    ("pat@example.org", PASSWORD, "resident", "role"),
])
def test_add_user_explains_what_is_wrong(conn, email, password, role, param):
    with pytest.raises(InvalidParameter) as exc:
        users.add_user(conn, email, password, role)
    assert exc.value.param == param
    if param == "password":
        assert "at least 12 characters" in str(exc.value)
    assert conn.execute("SELECT count(*) FROM users").fetchone()[0] == 0


def test_authenticate(conn):
    user_id = users.add_user(conn, "pat@example.org", PASSWORD, "planner", "Pat")
    user = users.authenticate(conn, "PAT@example.org", PASSWORD)
    assert user == users.User(user_id, "pat@example.org", "planner", "Pat", True)
    assert conn.execute("SELECT last_login_at IS NOT NULL FROM users").fetchone()[0]
    assert users.authenticate(conn, "pat@example.org", PASSWORD + "!") is None
    assert users.authenticate(conn, "nobody@example.org", PASSWORD) is None
    assert users.authenticate(conn, "pat@example.org", "") is None
    conn.execute("UPDATE users SET active = false")
    assert users.authenticate(conn, "pat@example.org", PASSWORD) is None


def test_an_unknown_email_still_costs_a_hash(conn, monkeypatch):
    calls = []
    real = users._verify
    monkeypatch.setattr(users, "_verify", lambda h, p: calls.append(h) or real(h, p))
    assert users.authenticate(conn, "nobody@example.org", PASSWORD) is None
    assert len(calls) == 1 and calls[0].startswith("$argon2id$")


def test_an_old_hash_is_upgraded_at_sign_in(conn):
    user_id = users.add_user(conn, "pat@example.org", PASSWORD, "planner")
    weak = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1).hash(PASSWORD)
    conn.execute("UPDATE users SET password_hash = %s WHERE id = %s", (weak, user_id))
    assert users.authenticate(conn, "pat@example.org", PASSWORD) is not None
    upgraded = conn.execute("SELECT password_hash FROM users WHERE id = %s", (user_id,)).fetchone()[0]
    assert upgraded != weak and not PasswordHasher().check_needs_rehash(upgraded)
    assert users.authenticate(conn, "pat@example.org", PASSWORD) is not None


def test_tokens_are_stored_as_hashes_and_can_be_revoked(conn):
    user_id = users.add_user(conn, "pat@example.org", PASSWORD, "planner")
    token = users.create_token(conn, "Pat@example.org", label="QGIS")
    assert len(token) >= 43
    stored, label, used = conn.execute("SELECT token_hash, label, last_used_at FROM api_tokens").fetchone()
    assert stored == hashlib.sha256(token.encode()).digest() and label == "QGIS" and used is None

    assert users.user_for_token(conn, token).id == user_id
    assert conn.execute("SELECT last_used_at IS NOT NULL FROM api_tokens").fetchone()[0]
    assert users.user_for_token(conn, token + "x") is None
    assert users.user_for_token(conn, "") is None

    conn.execute("UPDATE api_tokens SET revoked_at = now()")
    assert users.user_for_token(conn, token) is None


def test_a_deactivated_account_loses_its_tokens(conn):
    users.add_user(conn, "pat@example.org", PASSWORD, "planner")
    token = users.create_token(conn, "pat@example.org")
    conn.execute("UPDATE users SET active = false")
    assert users.user_for_token(conn, token) is None
    with pytest.raises(NotFound):
        users.create_token(conn, "pat@example.org")


def test_no_token_for_an_unknown_account(conn):
    with pytest.raises(NotFound, match="no active account"):
        users.create_token(conn, "nobody@example.org")


def test_get_user(conn):
    user_id = users.add_user(conn, "pat@example.org", PASSWORD, "facilitator")
    assert users.get_user(conn, user_id).role == "facilitator"
    assert users.get_user(conn, user_id + 1) is None


# -- the command ------------------------------------------------------------------------------------------------

@pytest.fixture
def run(fresh_db_url):
    runner = CliRunner()

    def invoke(args, input=None):
        return runner.invoke(main, ["user", *args], input=input, env={"DATABASE_URL": fresh_db_url},
                             catch_exceptions=False)
    return invoke


def test_cli_adds_a_user_with_the_password_from_stdin(run, conn):
    result = run(["add", "Sam@Example.org", "--role", "admin", "--name", "Sam Jones"], input=PASSWORD + "\n")
    assert result.exit_code == 0, result.output
    assert "added sam@example.org as admin" in result.output
    assert PASSWORD not in result.output
    assert users.authenticate(conn, "sam@example.org", PASSWORD).display_name == "Sam Jones"


@pytest.mark.parametrize("args, input, message", [
    (["add", "sam@example.org", "--role", "admin"], "short\n", "at least 12 characters"),
    (["add", "sam@example.org", "--role", "admin"], "", "no password on standard input"),
    (["add", "sam@example.org", "--role", "resident"], PASSWORD + "\n", "'resident' is not one of"),
    (["add", "sam", "--role", "admin"], PASSWORD + "\n", "not an email address"),
])
def test_cli_refuses_bad_accounts(run, conn, args, input, message):
    result = run(args, input=input)
    assert result.exit_code != 0
    assert message in result.output
    assert conn.execute("SELECT count(*) FROM users").fetchone()[0] == 0


def test_cli_refuses_a_duplicate(run):
    assert run(["add", "sam@example.org", "--role", "admin"], input=PASSWORD + "\n").exit_code == 0
    result = run(["add", "SAM@example.org", "--role", "planner"], input=PASSWORD + "\n")
    assert result.exit_code == 1 and "already an account" in result.output


def test_cli_prints_a_token_that_works(run, conn):
    run(["add", "sam@example.org", "--role", "planner"], input=PASSWORD + "\n")
    result = run(["token", "sam@example.org", "--label", "laptop"])
    assert result.exit_code == 0, result.output
    token = result.stdout.strip()
    assert users.user_for_token(conn, token).email == "sam@example.org"
    assert "shown only this once" in result.stderr
    assert conn.execute("SELECT label FROM api_tokens").fetchone()[0] == "laptop"

    result = run(["token", "nobody@example.org"])
    assert result.exit_code == 1 and "no active account" in result.output


def test_cli_prompts_twice_at_a_terminal(run, conn, monkeypatch):
    prompts = []

    def fake_prompt(text, **kw):
        prompts.append((text, kw))
        return PASSWORD
    monkeypatch.setattr("assetmap.cli.users.click.prompt", fake_prompt)
    monkeypatch.setattr("assetmap.cli.users._stdin_is_a_terminal", lambda: True)
    assert run(["add", "sam@example.org", "--role", "planner"]).exit_code == 0
    assert prompts == [("Password", {"hide_input": True, "confirmation_prompt": True})]
    assert users.authenticate(conn, "sam@example.org", PASSWORD) is not None
