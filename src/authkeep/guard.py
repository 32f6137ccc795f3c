"""Request shapes and their validation in Logto's `guard.invalid_input` form (Logto's koaGuard).
No HTTP here: the domain may define request models on these bases; web.py reads requests."""

from __future__ import annotations

from typing import Annotated, Any, TypeVar

from pydantic import BaseModel, BeforeValidator, ConfigDict, ValidationError

from authkeep.errors import LogtoError

M = TypeVar("M", bound=BaseModel)


class Body(BaseModel):
    """Base for request bodies: strict types, unknown keys dropped silently (as Logto's zod guards)."""

    model_config = ConfigDict(strict=True, extra="ignore", populate_by_name=True)


class Query(BaseModel):
    """Base for query-string models: values arrive as strings; a `list[...]` field takes every
    repeat of its key. Unknown keys are ignored (paging and search have their own parsers)."""

    model_config = ConfigDict(extra="ignore", populate_by_name=True)


_TYPE_NAMES = {
    "string_type": "string",
    "int_type": "number",
    "bool_type": "boolean",
    "dict_type": "object",
    "list_type": "array",
    "float_type": "number",
    "model_type": "object",
    "int_from_float": "integer",
}


def _received(value: Any) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, str):
        return "string"
    if isinstance(value, list):
        return "array"
    if isinstance(value, dict):
        return "object"
    return type(value).__name__


def _issue(err: Any) -> tuple[dict[str, Any], str]:
    path = [p for p in err["loc"] if not (isinstance(p, str) and p.startswith(("function-", "literal[")))]
    etype = err["type"]
    key = ".".join(str(p) for p in path)
    if etype == "missing":
        issue = {"code": "invalid_type", "expected": "unknown", "received": "undefined", "path": path, "message": "Required"}
        return issue, f'Error in key path "{key}": (invalid_type) Required'
    if etype in _TYPE_NAMES:
        expected = _TYPE_NAMES[etype]
        received = _received(err.get("input"))
        msg = f"Expected {expected}, received {received}"
        issue = {"code": "invalid_type", "expected": expected, "received": received, "path": path, "message": msg}
        return issue, f'Error in key path "{key}": (invalid_type) Expected {expected} but received {received}.'
    code = {
        "string_too_short": "too_small",
        "too_short": "too_small",
        "string_too_long": "too_big",
        "too_long": "too_big",
        "greater_than": "too_small",
        "greater_than_equal": "too_small",
        "less_than": "too_big",
        "less_than_equal": "too_big",
        "literal_error": "invalid_enum_value",
        "enum": "invalid_enum_value",
        "string_pattern_mismatch": "invalid_string",
    }.get(etype, "custom")
    msg = err.get("msg", "Invalid")
    msg = msg.removeprefix("Value error, ")
    issue = {"code": code, "path": path, "message": msg}
    return issue, f'Error in key path "{key}": ({code}) {msg}'


def invalid_input(where: str, exc: ValidationError) -> LogtoError:
    issues, lines = [], []
    for err in exc.errors(include_url=False):
        issue, line = _issue(err)
        issues.append(issue)
        lines.append(line)
    return LogtoError(
        "guard.invalid_input",
        400,
        data={"issues": issues, "name": "ZodError"},
        details="\n".join(lines),
        type=where,
    )


def not_object(data: Any, where: str) -> LogtoError:
    received = _received(data)
    return LogtoError(
        "guard.invalid_input",
        400,
        data={
            "issues": [
                {"code": "invalid_type", "expected": "object", "received": received, "path": [],
                 "message": f"Expected object, received {received}"}
            ],
            "name": "ZodError",
        },
        details=f'Error in key path "": (invalid_type) Expected object but received {received}.',
        type=where,
    )


def validate(model: type[M], data: Any, where: str = "body") -> M:
    if not isinstance(data, dict):
        raise not_object(data, where)
    try:
        return model.model_validate(data)
    except ValidationError as exc:
        raise invalid_input(where, exc) from None


def has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(has_nul(k) or has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(has_nul(v) for v in value)
    return False


def yes(value: str | None) -> bool:
    """Logto's `yes()` from @silverhand/essentials: 1/true/y/yes/yep/yeah."""
    return value is not None and value.strip().lower() in {"1", "true", "y", "yes", "yep", "yeah"}


# A query flag read with `yes()`: anything else, even "false" or "", is False.
Yes = Annotated[bool, BeforeValidator(lambda v: yes(v) if isinstance(v, str) else v)]
