"""Shared helpers of the Schakel interop suites.

The Rust test (crates/server/tests/interop.rs) starts a Schakel server, seeds it, and runs
one suite script with the server's address and credentials in environment variables. A suite
is a list of check functions; every check runs, each failure is printed with its traceback,
and the process exits non-zero when any check failed.
"""

import os
import sys
import traceback

import requests


def env(name):
    value = os.environ.get(name)
    if value is None:
        raise SystemExit("interop: environment variable %s is not set (run this through cargo test)" % name)
    return value


class BearerAuth(requests.auth.AuthBase):
    """Authorization: Bearer <token> (taxii2client's own TokenAuth sends the scheme 'Token')."""

    def __init__(self, token):
        self.token = token

    def __call__(self, r):
        r.headers["Authorization"] = "Bearer " + self.token
        return r


def basic():
    return {"user": env("SCHAKEL_USER"), "password": env("SCHAKEL_PASSWORD")}


def bearer():
    return {"auth": BearerAuth(env("SCHAKEL_TOKEN"))}


def base():
    return env("SCHAKEL_URL").rstrip("/")


def collection_url(collection_id, root=None):
    return "%s/%s/collections/%s/" % (base(), root or env("SCHAKEL_API_ROOT"), collection_id)


def expect_http_error(status, fn, *args, **kwargs):
    """Calls fn and asserts it raises requests' HTTPError with this status."""
    try:
        fn(*args, **kwargs)
    except requests.exceptions.HTTPError as e:
        got = e.response.status_code if e.response is not None else None
        assert got == status, "expected HTTP %s, got %s: %s" % (status, got, e)
        return e.response
    raise AssertionError("expected HTTP %s, the call succeeded" % status)


def run(checks):
    """Runs every check; exits 1 if any failed."""
    failed = []
    for check in checks:
        name = check.__name__
        try:
            check()
        except Exception:  # noqa: BLE001 - report every failure, then go on
            failed.append(name)
            print("FAIL %s" % name)
            traceback.print_exc(file=sys.stdout)
        else:
            print("ok   %s" % name)
        sys.stdout.flush()
    print("interop: %d checks, %d failed%s" % (len(checks), len(failed), (": " + ", ".join(failed)) if failed else ""))
    sys.exit(1 if failed else 0)
