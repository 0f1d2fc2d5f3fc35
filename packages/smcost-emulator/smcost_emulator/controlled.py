"""What a moto service's responses go through under the emulator's controls: the call
log, delays and faults (`control.before_call`) in front of moto's dispatch to the action.

Every emulated service's response class (`sagemaker_studio.responses`,
`cloudwatch.responses`, `ce.responses`) derives from `ControlledResponse`; the Price List,
which moto lacks, calls `before_call` itself (`pricing.responses`).
"""

from __future__ import annotations

import warnings
from typing import Any

from .control import Fault, before_call, params_snapshot
from .moto_api import TYPE_RESPONSE, ActionResult, BaseResponse, ServiceException


class EmulatorError(ServiceException):
    """An error the emulator answers (an injected fault, a refused request); its code need
    not exist in the service's model."""


class ControlledResponse(BaseResponse):
    """Call log, delays and faults in front of a moto service's actions."""

    controlled_service = ""

    def is_controlled(self, action: str) -> bool:
        return True

    def request_params(self) -> dict[str, Any]:
        return params_snapshot(getattr(self, "params", None))

    def call_action(self) -> TYPE_RESPONSE:
        action = self._get_action()
        if action and self.is_controlled(action):
            fault = before_call(action, self.controlled_service, self.request_params())
            if fault is not None:
                return self._fault_response(fault)
        return super().call_action()

    def _fault_response(self, fault: Fault) -> TYPE_RESPONSE:
        # moto warns that the code is not in the service's model (AccessDeniedException is
        # not in CloudWatch's): expected for an injected fault. Adding the same filter again
        # replaces it, and a test's warnings context may have dropped an earlier one.
        warnings.filterwarnings(
            "ignore", message=r"Exception\(EmulatorError\)", category=UserWarning
        )
        _, headers, body = self.serialized(ActionResult(EmulatorError(fault.code, fault.message)))
        headers["status"] = str(fault.status)
        headers, body = self._enrich_response(headers, body)
        return fault.status, headers, body


__all__ = ["ControlledResponse", "EmulatorError"]
