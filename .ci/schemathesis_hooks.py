"""Schemathesis hooks for .ci/schemathesis: the token call's success paths as explicit examples.

Generated forms never hold the sandbox's password, nor a refresh token it issued, so without
these the token call is only ever refused (400, 401). Two examples are added to the Examples
phase, which runs before any generated case: the password grant with the sandbox's
credentials, and the refresh grant with a refresh token the hook gets from one login of its own
(each refresh token is good once). The sandbox runs with its lockout off, so the wrong
passwords of generated cases never lock the account these need, whatever the order.
"""

import base64
import json
import os
import urllib.parse
import urllib.request

import schemathesis
from schemathesis.auths import apply_basic_auth

# The sandbox's published test credentials (crates/enkash-customer-search-mock).
CLIENT_ID = os.environ["SANDBOX_CLIENT_ID"]
CLIENT_SECRET = os.environ["SANDBOX_CLIENT_SECRET"]
USERNAME = os.environ["SANDBOX_USERNAME"]
PASSWORD = os.environ["SANDBOX_PASSWORD"]
BASE_URL = os.environ["SANDBOX_BASE_URL"]
FORM = "application/x-www-form-urlencoded"


def password_form():
    return {
        "grant_type": "password",
        "username": USERNAME,
        "password": PASSWORD,
        "clientId": CLIENT_ID,
    }


def basic_auth():
    basic = base64.b64encode(f"{CLIENT_ID}:{CLIENT_SECRET}".encode()).decode()
    return {"Authorization": "Basic " + basic}


def with_client_auth(case):
    """The client's credentials, marked as configured ones: the config's basicAuth does not
    reach explicit cases, and a bare header would count as generated, so that the ignored-auth
    check would take the 200 it earns for a failure instead of probing without it."""
    apply_basic_auth(case, CLIENT_ID, CLIENT_SECRET)
    return case


def fresh_refresh_token():
    """One password login of the hook's own, for a refresh token nobody has used."""
    request = urllib.request.Request(
        BASE_URL + "/oauth/token",
        data=urllib.parse.urlencode(password_form()).encode(),
        headers={**basic_auth(), "Content-Type": FORM},
        method="POST",
    )
    with urllib.request.urlopen(request, timeout=10) as response:
        return json.load(response)["refresh_token"]


@schemathesis.hook
def before_add_examples(context, examples):
    operation = context.operation
    if operation is None or operation.path != "/oauth/token":
        return
    examples.append(with_client_auth(operation.Case(body=password_form(), media_type=FORM)))
    refresh = {
        "grant_type": "refresh_token",
        "refresh_token": fresh_refresh_token(),
        "clientId": CLIENT_ID,
    }
    examples.append(with_client_auth(operation.Case(body=refresh, media_type=FORM)))
