"""A TwiML conformance check for tests: structure from the catalogue, a few rules from twilio.md.

`tests/data/twilio/twiml_catalogue.json` (derived from the `twilio` 9.13.0
builders, twilio.md §7) says, per document, which element tags exist, which
attributes and children each takes, and whether it takes text. The catalogue
describes the root `Response` like any other element, so the root's allowed
children are `elements["Response"]["children"]`. It knows no attribute values,
so the rules twilio.md §2 states about values are checked here by hand:

* every `<Gather>` has an `action` (without one Twilio posts to the current URL);
* `<Gather input>` is `dtmf`, `speech` or `dtmf speech`;
* `<Dial timeout>` is a whole number of seconds from 5 to 600;
* every `<Say>` has something to say.

    root = check_twiml(response.text)                     # VoiceResponse
    check_twiml(response.text, document="MessagingResponse")

Every problem found is listed in one AssertionError, each with its element's
path, e.g. `Response/Dial[1]/Say[1]`.
"""

from __future__ import annotations

import functools
import json
import re
import xml.etree.ElementTree as ET
from collections.abc import Iterator
from pathlib import Path
from typing import Any

CATALOGUE_PATH = Path(__file__).parents[1] / "data" / "twilio" / "twiml_catalogue.json"

GATHER_INPUTS = frozenset({"dtmf", "speech", "dtmf speech"})
DIAL_TIMEOUT_SECONDS = (5, 600)


@functools.cache
def catalogue() -> dict[str, Any]:
    with CATALOGUE_PATH.open(encoding="utf-8") as f:
        loaded: dict[str, Any] = json.load(f)
    return loaded


def check_twiml(xml: str, document: str = "VoiceResponse") -> ET.Element:
    """The parsed root of `xml`, or AssertionError listing everything that breaks the rules."""
    documents: dict[str, Any] = catalogue()["documents"]
    if document not in documents:
        raise AssertionError(f"no TwiML document {document!r}; known: {sorted(documents)}")
    spec = documents[document]
    try:
        root = ET.fromstring(xml)
    except ET.ParseError as exc:
        raise AssertionError(f"TwiML does not parse: {exc}") from None
    if root.tag != spec["root"]:
        raise AssertionError(f"root element is <{root.tag}>, expected <{spec['root']}>")
    problems: list[str] = []
    for path, element, parent in _walk(root, root.tag, None):
        problems += _structure(path, element, parent, spec["elements"], document)
        problems += _semantics(path, element)
    if problems:
        raise AssertionError(
            f"TwiML breaks {len(problems)} {document} rule(s):\n  "
            + "\n  ".join(problems)
            + f"\nin: {xml}"
        )
    return root


def _walk(
    element: ET.Element, path: str, parent: ET.Element | None
) -> Iterator[tuple[str, ET.Element, ET.Element | None]]:
    """Every element with an XPath-like path (1-based index among same-tag siblings)."""
    yield path, element, parent
    seen: dict[str, int] = {}
    for child in element:
        seen[child.tag] = seen.get(child.tag, 0) + 1
        yield from _walk(child, f"{path}/{child.tag}[{seen[child.tag]}]", element)


def _structure(
    path: str,
    element: ET.Element,
    parent: ET.Element | None,
    elements: dict[str, Any],
    document: str,
) -> list[str]:
    spec = elements.get(element.tag)
    if spec is None:
        return [f"{path}: <{element.tag}> is not a {document} element"]
    problems = []
    if parent is not None and element.tag not in elements[parent.tag]["children"]:
        problems.append(f"{path}: <{element.tag}> may not be nested in <{parent.tag}>")
    problems += [
        f"{path}: <{element.tag}> has no attribute {name!r}"
        for name in element.attrib
        if name not in spec["attributes"]
    ]
    # Text directly inside an element is its .text plus the tails of its children.
    text = (element.text or "") + "".join(child.tail or "" for child in element)
    if text.strip() and not spec["takes_text"]:
        problems.append(f"{path}: <{element.tag}> takes no text, has {text.strip()!r}")
    return problems


def _semantics(path: str, element: ET.Element) -> list[str]:
    problems = []
    if element.tag == "Gather":
        if not element.get("action"):
            problems.append(f"{path}: <Gather> has no action (it would post to the current URL)")
        given = element.get("input")
        if given is not None and given not in GATHER_INPUTS:
            problems.append(
                f"{path}: <Gather input={given!r}> is not one of {sorted(GATHER_INPUTS)}"
            )
    elif element.tag == "Dial":
        timeout = element.get("timeout")
        low, high = DIAL_TIMEOUT_SECONDS
        if timeout is not None and not (
            re.fullmatch(r"[0-9]+", timeout) and low <= int(timeout) <= high
        ):
            problems.append(
                f"{path}: <Dial timeout={timeout!r}> is not whole seconds from {low} to {high}"
            )
    elif element.tag == "Say" and not "".join(element.itertext()).strip():
        problems.append(f"{path}: <Say> has nothing to say")
    return problems
