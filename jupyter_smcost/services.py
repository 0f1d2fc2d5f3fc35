"""What the REST handlers call, in one place of the tornado settings.

app.py builds the services at start and puts them at `settings[SERVICES_KEY]`; routes.py's
base handler reads them from there (`self.idle`, `self.cost`, ...), so neither module imports
the other's objects and a test can hand the handlers any services it likes.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from .cost.budget_service import BudgetService
from .cost.service import CostService
from .idle.checker import IdleShutdown
from .idle.saving import SaveCoordinator
from .suggestions.service import SuggestionsService

#: The tornado settings key of the extension's `Services`.
SERVICES_KEY = "jupyter_smcost_services"


@dataclass(frozen=True)
class Services:
    #: The idle checker: settings, activity and the idle status.
    idle: IdleShutdown
    #: The open tabs' save requests and answers (the checker's).
    saver: SaveCoordinator
    #: GET cost and GET resources.
    cost: CostService
    #: GET suggestions, the actions and the dismissals.
    suggestions: SuggestionsService
    #: The `GET status` document.
    status: Callable[[], dict[str, Any]]
    #: GET budget: the month's spend, its projection and the budget.
    budget: BudgetService
