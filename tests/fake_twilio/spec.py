"""Twilio's OpenAPI spec (the Messages/Calls subset) as the fake's source of truth.

Allowed request keys come from the request schemas; every success response is
validated against the component schema before the fake sends it, so the fake
cannot drift from what the real `twilio` client is built to parse (twilio.md §7).
"""

from __future__ import annotations

import email.utils
import json
import re
from functools import cache
from pathlib import Path
from typing import Any

from jsonschema import FormatChecker  # type: ignore[import-untyped]  # no stubs installed
from openapi_schema_validator import OAS30Validator

SPEC_PATH = Path(__file__).parents[1] / "data" / "twilio" / "twilio_api_v2010.messages_calls.json"
ACCOUNT = "/2010-04-01/Accounts/{AccountSid}"
MESSAGE_SCHEMA = "api.v2010.account.message"
CALL_SCHEMA = "api.v2010.account.call"
E164 = re.compile(r"^\+[1-9][0-9]{1,14}$")

# The spec's own formats; OpenAPI leaves them to us, and these two are the ones
# a fake is most likely to get wrong.
_formats = FormatChecker(formats=())


def _is_rfc2822(value: object) -> bool:
    if isinstance(value, str):
        email.utils.parsedate_to_datetime(value)  # raises ValueError on anything else
    return True


def _is_phone_number(value: object) -> bool:
    return not isinstance(value, str) or bool(E164.match(value))


_formats.checks("date-time-rfc-2822", raises=ValueError)(_is_rfc2822)
_formats.checks("phone-number")(_is_phone_number)


@cache
def spec() -> dict[str, Any]:
    with SPEC_PATH.open(encoding="utf-8") as f:
        doc: dict[str, Any] = json.load(f)
    return doc


def form_keys(path: str, method: str = "post") -> frozenset[str]:
    """Form keys the spec allows on `ACCOUNT + path` (e.g. "/Messages.json")."""
    operation = spec()["paths"][ACCOUNT + path][method]
    schema = operation["requestBody"]["content"]["application/x-www-form-urlencoded"]["schema"]
    return frozenset(schema["properties"])


def enum(name: str) -> tuple[str, ...]:
    return tuple(spec()["components"]["schemas"][name]["enum"])


@cache
def _validator(schema_name: str) -> OAS30Validator:
    doc = spec()
    # A root that refers into its own components, so every nested $ref resolves.
    root = {"$ref": f"#/components/schemas/{schema_name}", "components": doc["components"]}
    return OAS30Validator(root, format_checker=_formats)


def schema_problems(schema_name: str, payload: dict[str, Any]) -> list[str]:
    """Why `payload` does not match the component schema (empty when it does).

    Also flags keys the schema does not list: the schemas allow extra keys, but a
    key Twilio never sends is drift in the fake.
    """
    problems = [
        f"{'/'.join(map(str, e.path)) or '<root>'}: {e.message}"
        for e in _validator(schema_name).iter_errors(payload)
    ]
    known = spec()["components"]["schemas"][schema_name]["properties"]
    problems += [f"{key}: not in the {schema_name} schema" for key in payload if key not in known]
    return problems
