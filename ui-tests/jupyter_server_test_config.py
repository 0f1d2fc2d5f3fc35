"""Server configuration for the Galata tests.

Never use it in production: it disables authentication and exposes the
application object in the page.
"""

from pathlib import Path
from tempfile import mkdtemp

from jupyterlab.galata import configure_jupyter_server

configure_jupyter_server(c)  # noqa: F821
c.ServerApp.allow_root = True  # noqa: F821
# The tests' settings must not leak into the user's, nor the user's into the tests.
c.LabApp.user_settings_dir = mkdtemp(prefix="smcost-galata-settings-")  # noqa: F821

# jupyter-smcost in local mode: no SageMaker metadata, nothing is ever stopped.
_state = Path(mkdtemp(prefix="smcost-galata-state-"))
c.IdleShutdown.timeout_minutes = 30  # noqa: F821
c.IdleShutdown.action = "dry-run"  # noqa: F821
# The browser runs as the server's user: its CPU must not count as activity here.
c.IdleShutdown.cpu_threshold_percent = 0  # noqa: F821
c.SMCost.metadata_path = str(_state / "no-such-resource-metadata.json")  # noqa: F821
c.SMCost.instance_type = "ml.t3.medium"  # noqa: F821
c.SMCost.state_dir = str(_state)  # noqa: F821
