"""idle-apps: the user's other Studio apps left running with nobody using them: stop them."""

from __future__ import annotations

from datetime import timedelta

from ..model import (
    HOURS_PER_MONTH,
    Action,
    AppFact,
    Facts,
    ResourceRef,
    Suggestion,
    Thresholds,
    suggestion_id,
    usd,
)
from . import Rule
from ._figures import hours, price_unknown, rate

NAME = "idle-apps"
DOCS = "https://docs.aws.amazon.com/sagemaker/latest/dg/studio-updated-running-stop.html"


def _params(app: AppFact) -> dict[str, str]:
    params = {"domain_id": app.domain_id, "app_type": app.app_type, "app_name": app.app_name}
    if app.space_name:
        params["space_name"] = app.space_name
    elif app.user_profile_name:
        params["user_profile_name"] = app.user_profile_name
    return params


def run(facts: Facts, thresholds: Thresholds) -> list[Suggestion]:
    cutoff = facts.now - timedelta(hours=thresholds.app_idle_hours)
    out: list[Suggestion] = []
    for app in facts.apps:
        since = app.last_user_activity or app.created_at
        if app.status != "InService" or since is None or since > cutoff:
            continue
        if not (app.space_name or app.user_profile_name):
            continue  # DeleteApp needs the owner; without it there is nothing safe to offer
        idle_h = (facts.now - since).total_seconds() / 3600.0
        quiet = (
            f"no user activity for {hours(idle_h)}"
            if app.last_user_activity
            else f"no user activity recorded since it started {hours(idle_h)} ago"
        )
        price = facts.price(app.instance_type, app.component)
        what = f"{app.instance_type or 'unknown instance'}"
        owner = "space" if app.space_name else "user profile"
        if price is None:
            saving = None
            note: str | None = price_unknown(f"{what} ({app.component or 'unknown component'})")
            arithmetic = f"{what} x price unknown x 730 h"
        else:
            saving = price.usd_per_hour * HOURS_PER_MONTH
            note = None
            arithmetic = (
                f"{what} x {rate(price.usd_per_hour)} x 730 h = {usd(saving)}/month "
                "(if left running)"
            )
        out.append(
            Suggestion(
                id=suggestion_id(NAME, "app", app.domain_id, app.display_name),
                rule=NAME,
                title=f"Stop idle {app.app_type} app {app.display_name}",
                detail=(
                    f"{app.app_type} app {app.app_name} ({app.space_name or app.user_profile_name}"
                    f", {what}) is in service with {quiet}. Stopping it deletes the app only: "
                    f"the {owner} and its files are kept; start it again from Studio when needed."
                ),
                saving_usd_per_month=saving,
                arithmetic=arithmetic,
                docs_url=DOCS,
                resource=ResourceRef("studio-app", app.display_name, app.arn, app.console_url),
                actions=(
                    Action(
                        id="delete-app",
                        label="Stop app",
                        description=(
                            f"Stops (deletes) {app.app_type} app {app.app_name}; "
                            f"the {owner} and its files are kept."
                        ),
                        params=_params(app),
                    ),
                ),
                saving_note=note,
                fingerprint=app.fingerprint,
            )
        )
    return out


RULE = Rule(name=NAME, needs=("owner", "apps"), run=run)
