"""CloudWatch and Cost Explorer on the emulator: moto's, under the emulator's controls, plus
the Cost Explorer call moto lacks.

- CloudWatch (moto's, every action, GetMetricData and PutMetricData included): each call
  goes into the call log as service "cloudwatch" and obeys delays and faults
  ("GetMetricData", "cloudwatch:*").
- Cost Explorer: GetSavingsPlansPurchaseRecommendation (told apart by its X-Amz-Target,
  `AWSInsightsIndexService.GetSavingsPlansPurchaseRecommendation`, as moto dispatches every
  JSON 1.1 service) answers what `savings_plans.recommendations` holds, logged as service
  "ce" and under delays and faults ("GetSavingsPlansPurchaseRecommendation", "ce:*"). moto's
  other Cost Explorer actions are moto's, outside the controls (see `models`).

`register()` points moto's CloudWatch and Cost Explorer URLs at these classes; as for
SageMaker (see `responses`), both `mock_aws` and moto's server read those URLs when they
build a service's handler, so the package registers them on import.

A fault is serialized by moto in the protocol of the request (CloudWatch's clients speak
Smithy RPC v2 CBOR; Cost Explorer's JSON 1.1), with the injected code and status.
"""

from __future__ import annotations

import json
import time
import warnings
from typing import Any

from .models import CE_ACTIONS, Fault, control, params_snapshot
from .moto_api import (
    TYPE_RESPONSE,
    ActionResult,
    BaseResponse,
    CloudWatchResponse,
    CostExplorerResponse,
    ServiceException,
    ce_urls,
    cloudwatch_urls,
)
from .savings_plans import RecommendationRequestError, recommendations


class _EmulatorError(ServiceException):
    """An error the emulator answers (an injected fault, a refused request); its code need
    not exist in the service's model."""


class ControlledResponse(BaseResponse):
    """Call log, delays and faults in front of a moto service's actions."""

    controlled_service = ""

    def is_controlled(self, action: str) -> bool:
        return True

    def request_params(self) -> dict[str, Any]:
        params = getattr(self, "params", None)
        return params_snapshot(params)

    def call_action(self) -> TYPE_RESPONSE:
        action = self._get_action()
        if action and self.is_controlled(action):
            control.record_call(action, self.request_params())
            delay = control.delay_for(action, self.controlled_service)
            if delay:
                time.sleep(delay)
            fault = control.take_fault(action, self.controlled_service)
            if fault is not None:
                return self._fault_response(fault)
        return super().call_action()

    def _fault_response(self, fault: Fault) -> TYPE_RESPONSE:
        # moto warns that the code is not in the service's model (AccessDeniedException is
        # not in CloudWatch's): expected for an injected fault. Adding the same filter again
        # replaces it, and a test's warnings context may have dropped an earlier one.
        warnings.filterwarnings(
            "ignore", message=r"Exception\(_EmulatorError\)", category=UserWarning
        )
        _, headers, body = self.serialized(ActionResult(_EmulatorError(fault.code, fault.message)))
        headers["status"] = str(fault.status)
        headers, body = self._enrich_response(headers, body)
        return fault.status, headers, body


class CloudWatchEmulatorResponse(ControlledResponse, CloudWatchResponse):
    controlled_service = "cloudwatch"


class CostExplorerEmulatorResponse(ControlledResponse, CostExplorerResponse):
    controlled_service = "ce"

    def is_controlled(self, action: str) -> bool:
        return action in CE_ACTIONS

    def request_params(self) -> dict[str, Any]:
        return params_snapshot(self._json_body())

    def _json_body(self) -> Any:
        try:
            return json.loads(self.body or "{}")
        except ValueError:
            return None

    def get_savings_plans_purchase_recommendation(self) -> Any:
        params = self._json_body()
        if not isinstance(params, dict):
            params = {}  # botocore always sends an object; anything else lacks the members
        try:
            answer = recommendations.answer(params, self.current_account)
        except RecommendationRequestError as e:
            raise _EmulatorError(e.code, e.message) from e
        return json.dumps(answer), {"Content-Type": "application/x-amz-json-1.1"}


def _replace_handler(url_paths: dict[str, Any], moto_class: type, ours: type) -> None:
    for path, handler in list(url_paths.items()):
        if getattr(handler, "__self__", None) is moto_class:
            url_paths[path] = ours.dispatch  # type: ignore[attr-defined]


def register() -> None:
    """Serve moto's CloudWatch and Cost Explorer URLs with the classes above (idempotent)."""
    _replace_handler(cloudwatch_urls.url_paths, CloudWatchResponse, CloudWatchEmulatorResponse)
    _replace_handler(ce_urls.url_paths, CostExplorerResponse, CostExplorerEmulatorResponse)


__all__ = [
    "CloudWatchEmulatorResponse",
    "ControlledResponse",
    "CostExplorerEmulatorResponse",
    "register",
]
