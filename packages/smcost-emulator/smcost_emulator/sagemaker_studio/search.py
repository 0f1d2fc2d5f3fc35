"""SageMaker's Search for training jobs, tuning jobs and endpoints, as AWS evaluates it.

moto's own Search knows a few expressions (a tag filter ends the evaluation, sub-expressions
and `Or` are not read) and no tuning jobs; jupyter_smcost asks for "my running training
jobs" as the owner's tags Or-ed together and And-ed with a status, so these three resources
are evaluated here, on what DescribeX answers plus the resource's tags (the shape of AWS's
search entities). Other resources are left to moto.

What is evaluated: `Filters` (Equals, NotEquals, GreaterThan(OrEqualTo), LessThan(OrEqualTo),
Contains, Exists, NotExists, In with a comma-separated value) on a property's dotted path or
`Tags.<key>`; `SubExpressions`; `Operator` And (the default) or Or over all of them;
`SortBy` (default LastModifiedTime), `SortOrder` (default Descending), `MaxResults`
(default 10, at most 100) and `NextToken`. `NestedFilters` are refused (not used here).
Times compare as times (the value as ISO 8601 text or epoch seconds), numbers as numbers.
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime, timezone
from typing import Any

from ..moto_api import ValidationError
from .jobs import naive_utc

#: The resources evaluated here, and the key of each result's entity.
SEARCHED = {
    "TrainingJob": "TrainingJob",
    "HyperParameterTuningJob": "HyperParameterTuningJob",
    "Endpoint": "Endpoint",
}
_OPERATORS = frozenset(
    {
        "Equals",
        "NotEquals",
        "GreaterThan",
        "GreaterThanOrEqualTo",
        "LessThan",
        "LessThanOrEqualTo",
        "Contains",
        "Exists",
        "NotExists",
        "In",
    }
)
MAX_RESULTS = 100
DEFAULT_RESULTS = 10


def _property(entity: dict[str, Any], name: str) -> Any:
    """A property's value by its dotted path; `Tags.<key>` reads the tag (None: absent)."""
    if name.startswith("Tags."):
        key = name[len("Tags.") :]
        for tag in entity.get("Tags") or []:
            if tag.get("Key") == key:
                return tag.get("Value")
        return None
    value: Any = entity
    for part in name.split("."):
        if not isinstance(value, dict):
            return None
        value = value.get(part)
    return value


def _as_time(value: Any) -> datetime | None:
    if isinstance(value, datetime):
        return naive_utc(value)
    try:
        return naive_utc(value if isinstance(value, str) else float(value))
    except (TypeError, ValueError):
        return None


def _as_number(value: Any) -> float | None:
    if isinstance(value, bool):
        return None
    try:
        return float(value)
    except (TypeError, ValueError):
        return None


def _compare(actual: Any, operator: str, value: str) -> bool:
    if operator == "Exists":
        return actual is not None
    if operator == "NotExists":
        return actual is None
    if actual is None:
        return operator == "NotEquals"
    if operator == "Contains":
        return value in str(actual)
    if operator == "In":
        return str(actual) in [v.strip() for v in value.split(",")]
    left: Any
    right: Any
    if isinstance(actual, datetime):
        left, right = naive_utc(actual), _as_time(value)
    elif isinstance(actual, int | float) and not isinstance(actual, bool):
        left, right = float(actual), _as_number(value)
    else:
        left, right = str(actual), value
    if right is None:
        raise ValidationError(f"Cannot compare {actual!r} with {value!r}")
    if operator == "Equals":
        return bool(left == right)
    if operator == "NotEquals":
        return bool(left != right)
    if operator == "GreaterThan":
        return bool(left > right)
    if operator == "GreaterThanOrEqualTo":
        return bool(left >= right)
    if operator == "LessThan":
        return bool(left < right)
    return bool(left <= right)  # LessThanOrEqualTo


def matches(entity: dict[str, Any], expression: dict[str, Any] | None) -> bool:
    """Whether `entity` satisfies a SearchExpression."""
    if not expression:
        return True
    if expression.get("NestedFilters"):
        raise ValidationError("NestedFilters are not emulated")
    results: list[bool] = []
    for f in expression.get("Filters") or []:
        operator = f.get("Operator") or "Equals"
        if operator not in _OPERATORS:
            raise ValidationError(f"Unknown operator {operator!r}")
        if "Value" not in f and operator not in ("Exists", "NotExists"):
            raise ValidationError(f"A filter on {f.get('Name')!r} with {operator} needs a Value")
        results.append(
            _compare(_property(entity, str(f.get("Name"))), operator, str(f.get("Value", "")))
        )
    results.extend(matches(entity, sub) for sub in expression.get("SubExpressions") or [])
    if not results:
        raise ValidationError("A search expression needs at least one filter or sub-expression")
    if (expression.get("Operator") or "And") == "Or":
        return any(results)
    return all(results)


def _sort_key(value: Any) -> tuple[int, Any]:
    if value is None:
        return (0, "")
    if isinstance(value, datetime):
        return (1, naive_utc(value).replace(tzinfo=timezone.utc).timestamp())
    number = _as_number(value)
    return (1, number) if number is not None else (2, str(value))


def search(
    resource: str,
    entities: Iterable[dict[str, Any]],
    expression: dict[str, Any] | None,
    *,
    sort_by: str | None,
    sort_order: str | None,
    next_token: str | None,
    max_results: int | None,
) -> dict[str, Any]:
    """The Search answer over `entities` (each a description with its `Tags`)."""
    matches({}, expression)  # a bad expression is refused even when nothing is there
    found = [e for e in entities if matches(e, expression)]
    by = sort_by or "LastModifiedTime"
    found.sort(key=lambda e: _sort_key(_property(e, by)), reverse=sort_order != "Ascending")
    size = min(MAX_RESULTS, max_results or DEFAULT_RESULTS)
    try:
        start = int(next_token or 0)
    except ValueError:
        raise ValidationError(f"Invalid NextToken: {next_token}") from None
    page = found[start : start + size]
    answer: dict[str, Any] = {"Results": [{SEARCHED[resource]: e} for e in page]}
    if start + size < len(found):
        answer["NextToken"] = str(start + size)
    return answer


def with_tags(
    described: Iterable[tuple[dict[str, Any], list[dict[str, str]] | None]],
) -> list[dict[str, Any]]:
    """Descriptions with their tags, as search entities carry them."""
    return [{**d, "Tags": [dict(t) for t in tags or []]} for d, tags in described]
