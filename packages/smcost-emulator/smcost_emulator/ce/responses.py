"""Cost Explorer on the emulator: moto's, plus the call moto lacks.

GetSavingsPlansPurchaseRecommendation (told apart by its X-Amz-Target,
`AWSInsightsIndexService.GetSavingsPlansPurchaseRecommendation`, as moto dispatches every
JSON 1.1 service) answers what `ce.models.recommendations` holds, logged as service "ce"
and under delays and faults ("GetSavingsPlansPurchaseRecommendation", "ce:*"). moto's
other Cost Explorer actions are moto's, outside the controls (see `control`). A fault is
serialized by moto in JSON 1.1, with the injected code and status.
"""

from __future__ import annotations

import json
from typing import Any

from ..control import CE_ACTIONS, params_snapshot
from ..controlled import ControlledResponse, EmulatorError
from ..moto_api import CostExplorerResponse
from .models import RecommendationRequestError, recommendations


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
            raise EmulatorError(e.code, e.message) from e
        return json.dumps(answer), {"Content-Type": "application/x-amz-json-1.1"}


__all__ = ["CostExplorerEmulatorResponse"]
