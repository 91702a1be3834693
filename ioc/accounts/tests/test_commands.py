"""ioc token create | list | revoke."""

from __future__ import annotations

from io import StringIO

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from ioc.accounts.auth import hash_token
from ioc.accounts.models import ApiToken
from ioc.audit.models import AuditEntry

pytestmark = pytest.mark.django_db


def run(*args: str) -> tuple[str, str]:
    out, err = StringIO(), StringIO()
    call_command("token", *args, stdout=out, stderr=err)
    return out.getvalue(), err.getvalue()


def test_create_prints_the_token_once(users):
    out, err = run(
        "create", "integrator", "--scope", "data:read", "--scope", "data:write", "--name", "HIS", "--expires-days", "90"
    )
    plain = out.strip()
    assert plain.startswith("ioc_") and "\n" not in plain
    token = ApiToken.objects.get()
    assert token.token_hash == hash_token(plain)
    assert token.scopes == ["data:read", "data:write"] and token.name == "HIS" and token.expires is not None
    assert "will not be shown again" in err
    assert plain not in err
    assert AuditEntry.objects.get(action="token.create").via == "cli"


def test_list_never_shows_the_token(users):
    out, _ = run("create", "integrator", "--scope", "data:read")
    plain = out.strip()
    listing, _ = run("list")
    assert plain not in listing
    assert plain[:12] in listing and "integrator" in listing and "data:read" in listing and "never" in listing
    assert run("list", "officer_a")[0].count("\n") == 1  # header only
    assert plain[:12] in run("list", "integrator")[0]


def test_revoke(users):
    plain = run("create", "integrator", "--scope", "data:read")[0].strip()
    out, _ = run("revoke", plain[:12])
    assert "Revoked" in out
    assert ApiToken.objects.get().revoked is not None
    assert plain[:12] not in run("list")[0]
    assert "revoked" in run("list", "--all")[0]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("create", "ghost", "--scope", "data:read"), "no user 'ghost'"),
        (("create", "integrator", "--scope", "data:delete"), "unknown scope 'data:delete'"),
        (("create", "integrator"), "at least one"),
        (("create", "integrator", "--scope", "data:read", "--expires-days", "0"), "days"),
        (("revoke", "ioc_nothere"), "no token"),
    ],
)
def test_errors_are_clear_and_fail(users, args, message):
    with pytest.raises(CommandError, match=message):
        run(*args)
    assert not ApiToken.objects.exists()


def test_a_failing_command_exits_non_zero(users):
    """From the console a CommandError prints the message and exits with status 1."""
    from django.core.management import ManagementUtility

    utility = ManagementUtility(["ioc", "token", "create", "ghost", "--scope", "data:read"])
    err = StringIO()
    import contextlib

    with contextlib.redirect_stderr(err), pytest.raises(SystemExit) as exc:
        utility.execute()
    assert exc.value.code == 1
    assert "no user 'ghost'" in err.getvalue()
