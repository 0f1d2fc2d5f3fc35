"""The schedule's pure logic: stop instants, days, time zones across DST, bounds, keep running."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from jupyter_smcost.idle.schedule import (
    Schedule,
    ScheduleError,
    ScheduleForbidden,
    SchedulePolicy,
    UserSchedule,
    parse_days,
    parse_hhmm,
)

UTC = timezone.utc


def at(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def berlin(stop_at: str = "19:00", **kw: object) -> Schedule:
    return Schedule(SchedulePolicy(stop_at=stop_at, timezone="Europe/Berlin", **kw))  # type: ignore[arg-type]


def test_next_stop_is_today_in_the_schedules_time_zone() -> None:
    # Monday 2026-12-07, Berlin is UTC+1 in winter: 19:00 local is 18:00 UTC.
    schedule = berlin()
    assert schedule.next_stop(at("2026-12-07T09:00")) == at("2026-12-07T18:00")
    doc = schedule.to_json(at("2026-12-07T09:00"), at("2026-12-07T09:00"))
    assert doc["next_stop"] == "2026-12-07T18:00:00Z"
    assert doc["stop_at"] == "19:00" and doc["source"] == "admin"
    assert doc["days"] == ["mon", "tue", "wed", "thu", "fri"]
    assert doc["max_keep_running_until"] == "23:59"


def test_a_server_started_after_the_stop_is_not_stopped_until_the_next_day() -> None:
    schedule = berlin()
    assert schedule.next_stop(at("2026-12-07T19:30")) == at("2026-12-08T18:00")


def test_weekends_are_skipped() -> None:
    schedule = berlin()
    # Friday 2026-12-11 after the stop: the next is Monday 2026-12-14.
    assert schedule.next_stop(at("2026-12-11T20:00")) == at("2026-12-14T18:00")
    weekend = Schedule(SchedulePolicy(stop_at="19:00", days=("sat", "sun"), timezone="UTC"))
    assert weekend.next_stop(at("2026-12-07T00:00")) == at("2026-12-12T19:00")


def test_no_days_or_no_stop_time_means_no_stop() -> None:
    assert Schedule(SchedulePolicy(stop_at="19:00", days=())).next_stop(at("2026-12-07")) is None
    empty = Schedule()
    assert empty.next_stop(at("2026-12-07")) is None
    assert empty.status_json(at("2026-12-07"), at("2026-12-07")) is None
    assert empty.to_json(at("2026-12-07"), at("2026-12-07"))["source"] is None


def test_dst_changes_move_the_utc_instant_not_the_local_time() -> None:
    schedule = berlin(days=tuple(parse_days("mon-sun")))
    # Berlin summer time ends on 2026-10-25: 19:00 is 17:00 UTC before, 18:00 UTC after.
    assert schedule.next_stop(at("2026-10-24T12:00")) == at("2026-10-24T17:00")
    assert schedule.next_stop(at("2026-10-25T12:00")) == at("2026-10-25T18:00")
    # It starts on 2026-03-29: 18:00 UTC before, 17:00 UTC after.
    assert schedule.next_stop(at("2026-03-28T12:00")) == at("2026-03-28T18:00")
    assert schedule.next_stop(at("2026-03-29T12:00")) == at("2026-03-29T17:00")


def test_a_stop_time_in_the_spring_forward_gap_still_stops_once() -> None:
    schedule = berlin("02:30", days=tuple(parse_days("mon-sun")))
    stop = schedule.next_stop(at("2026-03-28T23:00"))
    assert stop is not None and at("2026-03-29T00:00") <= stop <= at("2026-03-29T02:00")


def test_the_browsers_time_zone_applies_only_when_the_admin_gives_none() -> None:
    schedule = Schedule(SchedulePolicy(stop_at="19:00"), UserSchedule(timezone="America/New_York"))
    assert schedule.timezone_name == "America/New_York"
    assert schedule.next_stop(at("2026-12-07T12:00")) == at("2026-12-08T00:00")
    schedule.policy = SchedulePolicy(stop_at="19:00", timezone="Europe/Berlin")
    assert schedule.timezone_name == "Europe/Berlin"
    assert Schedule(SchedulePolicy(stop_at="19:00")).timezone_name == "UTC"


def test_a_user_stop_time_within_the_bounds_applies_and_null_goes_back_to_the_admins() -> None:
    schedule = berlin(earliest_stop_at="17:00", latest_stop_at="21:00")
    now = at("2026-12-07T09:00")
    schedule.update({"stop_at": "20:30"}, now)
    assert schedule.stop_at == "20:30" and schedule.source == "user"
    assert schedule.next_stop(now) == at("2026-12-07T19:30")
    schedule.update({"stop_at": None}, now)
    assert schedule.stop_at == "19:00" and schedule.source == "admin"


def test_a_user_stop_time_outside_the_bounds_or_when_not_allowed_is_refused() -> None:
    schedule = berlin(earliest_stop_at="17:00", latest_stop_at="21:00")
    now = at("2026-12-07T09:00")
    with pytest.raises(ScheduleForbidden, match="admin's bounds.*17:00 to 21:00"):
        schedule.update({"stop_at": "22:00"}, now)
    with pytest.raises(ScheduleForbidden):
        schedule.update({"stop_at": "16:59"}, now)
    locked = berlin(user_may_change=False)
    with pytest.raises(ScheduleForbidden, match="does not allow"):
        locked.update({"stop_at": "20:00"}, now)
    # A stored user choice does not apply once the admin locks the schedule.
    locked.user.stop_at = "20:00"
    assert locked.stop_at == "19:00" and locked.source == "admin"


@pytest.mark.parametrize(
    "body",
    [
        [],
        {"stop_at": "7pm"},
        {"stop_at": "24:00"},
        {"stop_at": 19},
        {"timezone": "Mars/Olympus"},
        {"timezone": "../../etc/passwd"},
        {"keep_running_until": "25:00"},
        {"colour": "red"},
    ],
)
def test_bad_input_is_a_schedule_error_and_changes_nothing(body: object) -> None:
    schedule = berlin()
    before = schedule.user.to_json()
    with pytest.raises(ScheduleError):
        schedule.update(
            {"stop_at": "20:00", **body} if isinstance(body, dict) else body, at("2026-12-07T09:00")
        )
    assert schedule.user.to_json() == before


def test_keep_running_until_postpones_only_todays_stop() -> None:
    schedule = berlin(max_keep_running_until="23:00")
    now = at("2026-12-07T17:00")
    schedule.update({"keep_running_until": "22:30"}, now)
    assert schedule.next_stop(now) == at("2026-12-07T21:30")
    assert schedule.keep_running_applies(now)
    # After today's (postponed) stop is handled, tomorrow's is the usual one.
    assert schedule.next_stop(at("2026-12-07T21:30")) == at("2026-12-08T18:00")
    schedule.update({"keep_running_until": None}, now)
    assert schedule.next_stop(now) == at("2026-12-07T18:00")


def test_keep_running_until_is_bounded_and_in_the_future() -> None:
    schedule = berlin(max_keep_running_until="22:00")
    now = at("2026-12-07T17:00")
    with pytest.raises(ScheduleForbidden, match="22:00"):
        schedule.update({"keep_running_until": "22:30"}, now)
    with pytest.raises(ScheduleError, match="passed"):
        schedule.update({"keep_running_until": "17:30"}, now)  # 16:30 UTC


def test_keep_running_in_a_warning_postpones_by_the_given_time_up_to_the_limit() -> None:
    schedule = berlin(max_keep_running_until="20:00")
    now = at("2026-12-07T17:57")
    schedule.postpone(now, 3600)
    assert schedule.next_stop(now) == at("2026-12-07T18:57")
    schedule.postpone(at("2026-12-07T18:55"), 3600)
    assert schedule.next_stop(now) == at("2026-12-07T19:00")  # 20:00 Berlin


def test_the_users_choices_round_trip_and_bad_stored_values_are_dropped() -> None:
    user = UserSchedule("20:00", "Europe/Paris", at("2026-12-07T21:00"))
    again, dropped = UserSchedule.from_json(user.to_json())
    assert again == user and dropped == []
    bad, dropped = UserSchedule.from_json(
        {"stop_at": "8", "timezone": "Nowhere/At_All", "keep_running_until": "yesterday"}
    )
    assert bad == UserSchedule() and dropped == ["stop_at", "timezone", "keep_running_until"]
    assert UserSchedule.from_json("junk")[1] == ["the schedule file"]


def test_parsers() -> None:
    assert parse_days("mon-fri") == ("mon", "tue", "wed", "thu", "fri")
    assert parse_days("fri-mon") == ("mon", "fri", "sat", "sun")
    assert parse_days(["SUN", "mon"]) == ("mon", "sun")
    with pytest.raises(ScheduleError):
        parse_days("mon-funday")
    with pytest.raises(ScheduleError):
        parse_hhmm("9:00")
    with pytest.raises(ScheduleError):
        SchedulePolicy(stop_at="19:60")


def test_a_due_stop_still_gets_a_full_warning_and_handled_arms_the_next() -> None:
    import logging

    from jupyter_smcost.idle.schedule import ScheduledStop

    policy = SchedulePolicy(stop_at="19:00", timezone="UTC")
    stop = ScheduledStop(policy, None, at("2026-12-07T09:00"), logging.getLogger("t"))
    early = stop.pending(at("2026-12-07T18:00"), 300)
    assert early is not None and early.deadline == at("2026-12-07T19:00")
    assert early.warn_at == at("2026-12-07T18:55")
    # First seen at 19:10 (the server was busy or asleep): the stop is 5 min after that.
    late = stop.pending(at("2026-12-07T19:10"), 300)
    assert late is not None and late.deadline == at("2026-12-07T19:15")
    stop.handled(at("2026-12-07T19:15"))
    following = stop.pending(at("2026-12-07T19:16"), 300)
    assert following is not None and following.deadline == at("2026-12-08T19:00")
    assert stop.to_json(at("2026-12-07T19:16"))["next_stop"] == "2026-12-08T19:00:00Z"


def test_an_idle_event_leaves_out_the_scheduled_stops_wait_but_keeps_other_errors() -> None:
    """An event carries no schedule_waiting_for_busy: its error would read as a new problem
    in a tab (the polled status says both)."""
    from jupyter_smcost.idle.events import idle_event

    status = {"state": "warning", "config_version": "1-0", "schedule_waiting_for_busy": True}
    waiting = "the scheduled stop waits for 1 busy kernel(s); stop now to end them"
    assert idle_event("state", {**status, "error": waiting})["error"] is None
    assert idle_event("state", {**status, "error": "shutdown failed"})["error"] == "shutdown failed"
