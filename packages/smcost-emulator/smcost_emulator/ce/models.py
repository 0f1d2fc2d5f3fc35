"""Cost Explorer's Savings Plans purchase recommendation (GetSavingsPlansPurchaseRecommendation),
which moto 5.2.5 lacks: what the emulator answers, per Savings Plans type.

The emulator computes no recommendation. Every figure it answers is one a test or the demo
set with `set_savings_plan_recommendation` (one flat dict of the API's own field names); with
none set it answers as AWS does when there is nothing to recommend: the request's terms
echoed, no details and no summary. Figures are strings in the answer, as AWS sends them.

The answer does not depend on TermInYears, PaymentOption, LookbackPeriodInDays,
AccountScope or Filter (echoed, not modelled) and is always one page (PageSize and
NextPageToken are accepted and ignored). No moto import beyond the service model:
`control.reset_state` uses this module.
"""

from __future__ import annotations

import copy
import threading
import uuid
from collections.abc import Mapping
from datetime import datetime, timezone
from typing import Any

from ..facade import DEFAULT_SAVINGS_PLANS_TYPE
from ..moto_api import get_service_model

_MODEL = get_service_model("ce")

SUMMARY_FIELDS = tuple(_MODEL.shape_for("SavingsPlansPurchaseRecommendationSummary").members)
DETAIL_FIELDS = tuple(_MODEL.shape_for("SavingsPlansPurchaseRecommendationDetail").members)
DETAILS_KEY = "SavingsPlansPurchaseRecommendationDetails"
SUMMARY_KEY = "SavingsPlansPurchaseRecommendationSummary"
DEFAULT_TYPE = DEFAULT_SAVINGS_PLANS_TYPE
_REQUEST = _MODEL.operation_model("GetSavingsPlansPurchaseRecommendation").input_shape
SAVINGS_PLANS_TYPES = tuple(_REQUEST.members["SavingsPlansType"].enum)


class RecommendationRequestError(Exception):
    """A request AWS refuses; `code` is Cost Explorer's error code."""

    def __init__(self, message: str, code: str = "ValidationException") -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def _text(name: str, value: Any) -> str:
    # AWS sends every figure of this API as a string ("438.00", "28.57").
    if isinstance(value, bool) or not isinstance(value, (str, int, float)):
        raise ValueError(f"{name} must be a number or a string, not {value!r}")
    return value if isinstance(value, str) else str(value)


def _detail(raw: Mapping[str, Any]) -> dict[str, Any]:
    unknown = sorted(set(raw) - set(DETAIL_FIELDS))
    if unknown:
        raise ValueError(f"unknown detail fields {unknown}: one of {', '.join(DETAIL_FIELDS)}")
    detail: dict[str, Any] = {}
    for name, value in raw.items():
        if name == "SavingsPlansDetails":
            if not isinstance(value, Mapping):
                raise ValueError("SavingsPlansDetails must be an object")
            detail[name] = {k: _text(k, v) for k, v in value.items()}
        else:
            detail[name] = _text(name, value)
    detail.setdefault("CurrencyCode", "USD")
    detail.setdefault("SavingsPlansDetails", {"OfferingId": str(uuid.uuid4())})
    detail.setdefault("RecommendationDetailId", str(uuid.uuid4()))
    return detail


def normalize(figures: Mapping[str, Any]) -> dict[str, Any]:
    """A stored recommendation from one flat dict of the API's field names.

    Summary fields (EstimatedMonthlySavingsAmount, HourlyCommitmentToPurchase, ...) go to
    the summary; detail fields to one detail (fields of both, such as
    HourlyCommitmentToPurchase, to both), unless `SavingsPlansPurchaseRecommendationDetails`
    gives the details. Numbers become strings; CurrencyCode defaults to USD and
    TotalRecommendationCount to the number of details. Unknown names raise ValueError.
    """
    allowed = set(SUMMARY_FIELDS) | set(DETAIL_FIELDS) | {DETAILS_KEY}
    unknown = sorted(set(figures) - allowed)
    if unknown:
        raise ValueError(
            f"unknown recommendation fields {unknown}: the API's summary or detail field names"
        )
    if DETAILS_KEY in figures:
        raw_details = figures[DETAILS_KEY]
        if not isinstance(raw_details, list) or not all(
            isinstance(d, Mapping) for d in raw_details
        ):
            raise ValueError(f"{DETAILS_KEY} must be a list of objects")
        details = [_detail(d) for d in raw_details]
    else:
        details = [_detail({k: v for k, v in figures.items() if k in DETAIL_FIELDS})]
    summary = {k: _text(k, v) for k, v in figures.items() if k in SUMMARY_FIELDS}
    summary.setdefault("CurrencyCode", "USD")
    summary.setdefault("TotalRecommendationCount", str(len(details)))
    return {"summary": summary, "details": details}


def _metadata() -> dict[str, str]:
    return {
        "RecommendationId": str(uuid.uuid4()),
        "GenerationTimestamp": datetime.now(timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ"),
    }


class Recommendations:
    """The recommendation answered per Savings Plans type (process-wide, as the catalog)."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._stored: dict[str, dict[str, Any]] = {}
        self._metadata: dict[str, dict[str, str]] = {}

    def reset(self) -> None:
        with self._lock:
            self._stored.clear()
            self._metadata.clear()

    def set(
        self, figures: Mapping[str, Any] | None, savings_plans_type: str = DEFAULT_TYPE
    ) -> dict[str, Any] | None:
        """Answer `figures` (see `normalize`) for `savings_plans_type`; None: nothing to
        recommend. Returns the stored form ({"summary", "details"}) or None."""
        if savings_plans_type not in SAVINGS_PLANS_TYPES:
            raise ValueError(
                f"savings_plans_type must be one of {', '.join(SAVINGS_PLANS_TYPES)}, "
                f"not {savings_plans_type!r}"
            )
        stored = None if figures is None else normalize(figures)
        with self._lock:
            # A new recommendation is a new generation, as when AWS refreshes it.
            self._metadata[savings_plans_type] = _metadata()
            if stored is None:
                self._stored.pop(savings_plans_type, None)
            else:
                self._stored[savings_plans_type] = stored
        return copy.deepcopy(stored)

    def get(self, savings_plans_type: str = DEFAULT_TYPE) -> dict[str, Any] | None:
        with self._lock:
            return copy.deepcopy(self._stored.get(savings_plans_type))

    def all(self) -> dict[str, dict[str, Any]]:
        """Every stored recommendation by Savings Plans type."""
        with self._lock:
            return copy.deepcopy(self._stored)

    def answer(self, params: Mapping[str, Any], account_id: str) -> dict[str, Any]:
        """The GetSavingsPlansPurchaseRecommendation response for a request's parameters."""
        for name in _REQUEST.required_members:
            if params.get(name) in (None, ""):
                raise RecommendationRequestError(f"{name} is required")
        for name, member in _REQUEST.members.items():
            allowed = getattr(member, "enum", None)
            value = params.get(name)
            if allowed and value is not None and value not in allowed:
                raise RecommendationRequestError(
                    f"Invalid {name} {value!r}: one of {', '.join(allowed)}"
                )
        kind = str(params["SavingsPlansType"])
        with self._lock:
            stored = copy.deepcopy(self._stored.get(kind))
            metadata = dict(self._metadata.setdefault(kind, _metadata()))
        recommendation: dict[str, Any] = {
            "AccountScope": params.get("AccountScope") or "PAYER",
            "SavingsPlansType": kind,
            "TermInYears": params["TermInYears"],
            "PaymentOption": params["PaymentOption"],
            "LookbackPeriodInDays": params["LookbackPeriodInDays"],
        }
        if stored is not None:
            for detail in stored["details"]:
                detail.setdefault("AccountId", account_id)
            recommendation[DETAILS_KEY] = stored["details"]
            recommendation[SUMMARY_KEY] = stored["summary"]
        return {"Metadata": metadata, "SavingsPlansPurchaseRecommendation": recommendation}


recommendations = Recommendations()


__all__ = [
    "DEFAULT_TYPE",
    "DETAILS_KEY",
    "DETAIL_FIELDS",
    "SUMMARY_FIELDS",
    "SUMMARY_KEY",
    "RecommendationRequestError",
    "Recommendations",
    "normalize",
    "recommendations",
]
