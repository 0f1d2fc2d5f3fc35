"""Server configuration for the Galata tests.

Never use it in production: it disables authentication and exposes the
application object in the page.

Two servers use it (see playwright.config.js):

- the main one (port `SMCOST_UI_PORT`, default 8888) runs in a simulated SageMaker Studio
  space: the local AWS emulator starts in this process on `SMCOST_EMULATOR_PORT` (default
  5599), seeded with the demo domain, space and app, so that the idle shutdown really calls
  DeleteApp;
- with `SMCOST_GALATA_READONLY=1` (port `SMCOST_UI_READONLY_PORT`, default 8889), a local
  server whose administrator does not allow users to change the timeout or the stop time.

playwright.config.js picks free ports for all three and sets these variables.
"""

import json
import os
from pathlib import Path
from tempfile import mkdtemp

from jupyterlab.galata import configure_jupyter_server

configure_jupyter_server(c)  # noqa: F821
c.ServerApp.allow_root = True  # noqa: F821
# The address and port the tests use (playwright.config.js); never another port.
c.ServerApp.ip = "127.0.0.1"  # noqa: F821
c.ServerApp.port_retries = 0  # noqa: F821
# The tests' settings must not leak into the user's, nor the user's into the tests.
c.LabApp.user_settings_dir = mkdtemp(prefix="smcost-galata-settings-")  # noqa: F821

_state = Path(mkdtemp(prefix="smcost-galata-state-"))
c.SMCost.state_dir = str(_state)  # noqa: F821
# The server is a simulated Studio space: keep Studio's idle timestamp file out of the
# machine's real /tmp.
c.IdleShutdown.studio_activity_file = str(_state / "sagemaker-last-active-timestamp")  # noqa: F821
# The admin's timeout: long enough that tests which do not shorten it never reach it.
c.IdleShutdown.timeout_minutes = 30  # noqa: F821
# The browser runs as the server's user: its CPU must not count as activity here.
c.IdleShutdown.cpu_threshold_percent = 0  # noqa: F821

if os.environ.get("SMCOST_GALATA_READONLY") == "1":
    # The administrator fixed the timeout; local mode, nothing is ever stopped.
    c.ServerApp.port = int(os.environ.get("SMCOST_UI_READONLY_PORT", "8889"))  # noqa: F821
    c.IdleShutdown.allow_user_override = False  # noqa: F821
    c.IdleShutdown.action = "dry-run"  # noqa: F821
    c.SMCost.metadata_path = str(_state / "no-such-resource-metadata.json")  # noqa: F821
    c.SMCost.instance_type = "ml.t3.medium"  # noqa: F821
    # Nor their own stop time (and there is no admin's: nothing to show or set).
    c.Schedule.user_may_change = False  # noqa: F821
else:
    # A simulated Studio space. boto3 reads these when the extension builds its clients,
    # after this file: set them first.
    from smcost_emulator import apply_environ, start_emulator

    c.ServerApp.port = int(os.environ.get("SMCOST_UI_PORT", "8888"))  # noqa: F821
    _emulator = start_emulator(port=int(os.environ.get("SMCOST_EMULATOR_PORT", "5599")))
    # The savings suggestions also read CloudWatch, Cost Explorer and S3 (all emulated).
    apply_environ(os.environ, _emulator.endpoint_url)
    _seeded = _emulator.seed_demo()
    _metadata = _state / "resource-metadata.json"
    _metadata.write_text(json.dumps(_seeded["metadata"]))
    c.SMCost.metadata_path = str(_metadata)  # noqa: F821

    # Tests shorten the timeout and the warning to seconds (PUT config), so both minimums
    # are 0, and the checker looks often. "auto" deletes the space's app.
    c.IdleShutdown.min_timeout_minutes = 0  # noqa: F821
    c.IdleShutdown.min_warning_minutes = 0  # noqa: F821
    c.IdleShutdown.check_interval_seconds = 1  # noqa: F821
    c.IdleShutdown.save_timeout_seconds = 10  # noqa: F821
    c.IdleShutdown.action = "auto"  # noqa: F821
    c.IdleShutdown.retry_seconds = 1  # noqa: F821
    # The running resources are listed again after 2 s rather than 60 s: the Cost panel's
    # tests inject an AWS fault (and clear it) and must see the next listing within a
    # test's time; a listing from one test must not linger into the next.
    c.Resources.ttl_seconds = 2  # noqa: F821
    # A fixed TTL: nothing changes between a test's listings for long enough to grow it,
    # but the next test must not wait for a TTL grown over the previous ones.
    c.Resources.max_ttl_seconds = 2  # noqa: F821
    c.Resources.jitter = 0  # noqa: F821
    c.SMCost.aws_background_calls_per_second = 50  # noqa: F821
    # The admin's cap on one job's cost, which the notebook's estimate checks
    # (ui-tests/tests/prelaunch.spec.ts); nothing else reads it.
    c.Budget.max_job_usd = 5.0  # noqa: F821
    # Savings: computed again every 2 s (a test reseeds the emulator with the savings demo
    # and must see its suggestions), with the demo's settings (scripts/demo.py).
    c.Suggestions.ttl_seconds = 2  # noqa: F821
    c.Suggestions.max_ttl_seconds = 2  # noqa: F821
    c.Suggestions.required_tags = ["project"]  # noqa: F821
    c.Suggestions.idle_budget_hint_usd = 1.0  # noqa: F821
    c.Suggestions.min_saving_usd_per_month = 0.25  # noqa: F821
    # Working hours: no admin stop time (a test sets the user's own), every day so that a
    # test's stop is due on a weekend too, and bounds the panel shows beside its inputs.
    # The schedule's tests run the browser in a zone where it is evening (schedule.spec.ts),
    # so that their stop times fall within these bounds whenever they run.
    c.Schedule.days = ["mon", "tue", "wed", "thu", "fri", "sat", "sun"]  # noqa: F821
    c.Schedule.earliest_stop_at = "17:00"  # noqa: F821
    c.Schedule.latest_stop_at = "21:00"  # noqa: F821
    c.Schedule.max_keep_running_until = "22:00"  # noqa: F821
