"""`{name}` placeholders in prompts: the only templating operators get.

No expressions are evaluated: a placeholder is a bare name looked up in the
session's variables or the flow's constants. `{{` and `}}` write a brace.
One format exists, for calls: `{zip:digits}` spells a value out digit by digit
("9 2 6 6 0"), so a voice reads a ZIP code back as digits, not as a number.
"""

from __future__ import annotations

import re
import string
from collections.abc import Mapping

_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")
_FORMATTER = string.Formatter()
FORMATS = ("digits",)


class TemplateError(ValueError):
    """A text's placeholders are malformed."""


def placeholders(template: str) -> tuple[str, ...]:
    """The names used in `template`, in order; TemplateError if any is not a bare name."""
    try:
        parsed = list(_FORMATTER.parse(template))
    except ValueError as exc:
        raise TemplateError(
            f"braces do not match ({exc}); write {{{{ for a literal brace"
        ) from None
    names = []
    for _literal, field, spec, conversion in parsed:
        if field is None:
            continue
        if not _NAME.match(field) or (spec and spec not in FORMATS) or conversion:
            raise TemplateError(
                f"placeholder {{{field}}} must be a plain name like {{zip}}, lower case"
                " (or {zip:digits} to spell it out)"
            )
        names.append(field)
    return tuple(names)


def render(template: str, values: Mapping[str, str]) -> str:
    """Fill placeholders; a name with no value yet renders as nothing."""
    out = []
    for literal, field, spec, _conv in _FORMATTER.parse(template):
        out.append(literal)
        if field is not None:
            value = values.get(field, "")
            out.append(" ".join(value.replace(" ", "")) if spec == "digits" else value)
    return "".join(out)
