"""Turn pydantic's validation errors into `file:line: message` problems."""

from __future__ import annotations

from pydantic import ValidationError

from helpline.errors import FlowDefinitionError
from helpline.flowfiles.yaml_loader import YamlDocument


def problems_from_validation(doc: YamlDocument, exc: ValidationError) -> list[FlowDefinitionError]:
    """One problem per pydantic error, located at the nearest line the document knows."""
    problems = []
    for err in exc.errors(include_url=False):
        # pydantic adds union-member and wrapper names to loc; keep only real keys and indexes.
        loc = tuple(
            part
            for part in err["loc"]
            if isinstance(part, int) or not str(part).startswith(("function-", "tagged-union"))
        )
        where = ".".join(str(p) for p in loc)
        message = err["msg"]
        if err["type"] == "extra_forbidden":
            message = f"unknown field '{loc[-1]}'" if loc else "unknown field"
        elif err["type"] == "missing":
            message = f"'{loc[-1]}' is required" if loc else "a required field is missing"
        elif where:
            message = f"{where}: {message}"
        problems.append(FlowDefinitionError(message, path=doc.path, line=doc.line_of(loc)))
    return problems
