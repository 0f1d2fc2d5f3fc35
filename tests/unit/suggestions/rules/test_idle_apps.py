"""idle-apps: the user's other apps that nobody has used, with their delete action. It fires
with its exact figure and stays silent when its trigger is absent."""

from __future__ import annotations

from datetime import timedelta

import pytest

from jupyter_smcost.suggestions.model import (
    AppFact,
    ResourceRef,
)
from jupyter_smcost.suggestions.rules import idle_apps as idle_apps_rule
from tests.unit.suggestions.rules.builders import JL, NOW, T, facts, no_nan, price


def app(
    name: str,
    *,
    active_ago: timedelta | None = timedelta(hours=3),
    created_ago: timedelta = timedelta(days=1),
    status: str = "InService",
    space: str | None = "other-space",
    profile: str | None = None,
    app_type: str = "JupyterLab",
) -> AppFact:
    return AppFact(
        domain_id="d-abc123",
        app_type=app_type,
        app_name=name,
        space_name=space,
        user_profile_name=profile,
        arn=f"arn:aws:sagemaker:app/{name}",
        status=status,
        instance_type="ml.t3.medium",
        component=JL,
        created_at=NOW - created_ago,
        last_user_activity=NOW - active_ago if active_ago else None,
        fingerprint=f"fp-{name}",
        console_url=None,
    )


APP_PRICES = {("ml.t3.medium", JL): price(0.05)}


def test_idle_apps_fires_with_delete_action() -> None:
    found = idle_apps_rule.run(facts(apps=(app("default"),), prices=APP_PRICES), T)
    assert len(found) == 1
    s = found[0]
    assert s.saving_usd_per_month == pytest.approx(0.05 * 730)
    assert s.arithmetic == "ml.t3.medium x $0.05/h x 730 h = $36.50/month (if left running)"
    assert "no user activity for 3.0 h" in s.detail
    assert s.fingerprint == "fp-default"
    assert s.resource == ResourceRef(
        "studio-app", "other-space/JupyterLab/default", "arn:aws:sagemaker:app/default", None
    )
    (action,) = s.actions
    assert action.id == "delete-app"
    assert dict(action.params) == {
        "domain_id": "d-abc123",
        "app_type": "JupyterLab",
        "app_name": "default",
        "space_name": "other-space",
    }
    no_nan(found)


def test_idle_apps_never_used_and_studio_classic() -> None:
    never = app("never", active_ago=None, created_ago=timedelta(hours=5))
    classic = app("kg", space=None, profile="alice", app_type="KernelGateway")
    found = idle_apps_rule.run(facts(apps=(never, classic), prices=APP_PRICES), T)
    assert len(found) == 2
    assert "no user activity recorded since it started 5.0 h ago" in found[0].detail
    assert dict(found[1].actions[0].params) == {
        "domain_id": "d-abc123",
        "app_type": "KernelGateway",
        "app_name": "kg",
        "user_profile_name": "alice",
    }


def test_idle_apps_silent() -> None:
    apps = (
        app("recent", active_ago=timedelta(hours=1)),
        app("new", active_ago=None, created_ago=timedelta(minutes=30)),
        app("deleted", status="Deleted"),
        app("pending", status="Pending"),
    )
    assert idle_apps_rule.run(facts(apps=apps, prices=APP_PRICES), T) == []


def test_idle_apps_unknown_price() -> None:
    s = idle_apps_rule.run(facts(apps=(app("default"),)), T)[0]
    assert s.saving_usd_per_month is None
    assert s.saving_note and "ml.t3.medium (studio-jupyterlab)" in s.saving_note
    assert s.actions[0].id == "delete-app"
    no_nan([s])
