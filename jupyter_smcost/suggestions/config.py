"""`c.Suggestions`: which savings advice runs, how often, and with which thresholds."""

from __future__ import annotations

import ast
import math
from dataclasses import fields
from typing import Any

from traitlets import Bool, Float, List, TraitError, Unicode, validate
from traitlets.config import LoggingConfigurable

from ..tolerant_config import TolerantConfig
from .model import Thresholds


class Suggestions(TolerantConfig, LoggingConfigurable):
    """Savings suggestions in the Cost panel and `GET jupyter-smcost/suggestions`."""

    enabled = Bool(True, help="Compute savings suggestions at all.").tag(config=True)
    disabled_rules = List(
        Unicode(),
        default_value=[],
        help="Rules that never run, by name (local-mode, spot-training, idle-endpoint, "
        "multi-model, rightsize-space, idle-apps, tags, data-locality, savings-plan, "
        "idle-budget, inference-recommender).",
    ).tag(config=True)
    allow_actions = Bool(
        True,
        help="Let users run a suggestion's action (stop a job, delete an endpoint or app, add "
        "tags, set the idle budget) from the panel. Off: POST actions answers 403.",
    ).tag(config=True)
    allow_actions_on_others = Bool(
        False,
        help="Let an action run on a resource whose tags do not prove it is the user's (an "
        "endpoint or job another user launched, an app in another user's space). Off: such an "
        'action answers 403, even with c.Resources.scope = "account".',
    ).tag(config=True)
    ttl_seconds = Float(
        300.0, help="How often the suggestions are computed again (in the background)."
    ).tag(config=True)
    max_ttl_seconds = Float(
        3600.0,
        help="While the suggestions stay the same, their TTL doubles after each refresh up to "
        "this (back to ttl_seconds when they change or the user acts).",
    ).tag(config=True)
    lookback_days = Float(7.0, help="How far back recent jobs are read.").tag(config=True)
    short_job_minutes = Float(
        10.0, help="Jobs that ran less than this are candidates for local mode."
    ).tag(config=True)
    endpoint_idle_hours = Float(
        24.0, help="An endpoint with no invocations for this long is idle."
    ).tag(config=True)
    low_traffic_invocations_per_hour = Float(
        60.0,
        help="Endpoints under this many invocations per hour are candidates for sharing one "
        "multi-model or multi-container endpoint.",
    ).tag(config=True)
    min_observation_minutes = Float(
        30.0, help="No right-sizing advice before this much of this space's usage is sampled."
    ).tag(config=True)
    app_idle_hours = Float(
        2.0, help="Another Studio app of the user with no activity for this long is idle."
    ).tag(config=True)
    endpoint_low_utilization_percent = Float(
        20.0,
        help="Endpoints whose CPU or GPU utilisation stays under this get the Inference "
        "Recommender suggestion.",
    ).tag(config=True)
    rightsize_cpu_percent = Float(
        20.0,
        help="Suggest a smaller instance when this space's CPU stayed under this (95th "
        "percentile of one-minute samples) and its memory under rightsize_memory_percent.",
    ).tag(config=True)
    rightsize_memory_percent = Float(
        40.0, help="See rightsize_cpu_percent (memory in use, percent of the instance's)."
    ).tag(config=True)
    rightsize_gpu_percent = Float(
        10.0,
        help="Suggest a CPU instance when every GPU's utilisation stayed under this (95th "
        "percentile).",
    ).tag(config=True)
    required_tags = List(
        Unicode(),
        default_value=[],
        help="Cost-allocation tag keys every running job and endpoint should carry.",
    ).tag(config=True)
    idle_budget_hint_usd = Float(
        2.0,
        help="Suggest an idle budget when one idle spell at the current timeout costs more "
        "than this (USD).",
    ).tag(config=True)

    min_saving_usd_per_month = Float(
        1.0,
        help="Priced advice that saves less than this a month (USD) is not shown; advice "
        "without a figure always is. 0 shows everything.",
    ).tag(config=True)

    @validate("min_saving_usd_per_month")
    def _valid_min_saving(self, proposal: Any) -> float:
        value = float(proposal["value"])
        if not (math.isfinite(value) and value >= 0):
            raise TraitError("c.Suggestions.min_saving_usd_per_month must be 0 or more")
        return value

    @validate("required_tags", "disabled_rules")
    def _valid_names(self, proposal: Any) -> list[str]:
        # `--Suggestions.required_tags=['a','b']` on the jupyter server command line arrives
        # as one string (the extension's classes are not known to the server's parser).
        out: list[str] = []
        for item in proposal["value"]:
            text = str(item).strip()
            if text.startswith("[") and text.endswith("]"):
                try:
                    parsed = ast.literal_eval(text)
                except (ValueError, SyntaxError):
                    raise TraitError(f"cannot read {text!r} as a list of names") from None
                out.extend(str(p).strip() for p in parsed)
            elif text:
                out.append(text)
        return out

    @validate(
        "ttl_seconds",
        "max_ttl_seconds",
        "lookback_days",
        "short_job_minutes",
        "endpoint_idle_hours",
        "low_traffic_invocations_per_hour",
        "min_observation_minutes",
        "app_idle_hours",
        "endpoint_low_utilization_percent",
        "idle_budget_hint_usd",
        "rightsize_cpu_percent",
        "rightsize_memory_percent",
        "rightsize_gpu_percent",
    )
    def _valid_positive(self, proposal: Any) -> float:
        value = float(proposal["value"])
        if not (math.isfinite(value) and value > 0):
            name = proposal["trait"].name
            raise TraitError(f"c.Suggestions.{name} must be a positive number, not {value!r}")
        return value

    def thresholds(self) -> Thresholds:
        """The rules' thresholds: each is the trait of the same name."""
        values = {f.name: getattr(self, f.name) for f in fields(Thresholds)}
        values["required_tags"] = tuple(dict.fromkeys(t for t in self.required_tags if t))
        return Thresholds(**values)
