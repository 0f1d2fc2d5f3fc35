"""A replica of SageMaker Distribution 4.4.1's Jupyter server, built in a sandbox directory.

What it stands for (build_artifacts/v4/v4.4/v4.4.1 of aws/sagemaker-distribution):

- `/opt/conda`, the environment the server runs from, owned by `sagemaker-user` (uid 1000,
  gid 100): here a Python 3.12 venv installed from `requirements/smd-4.4.1.txt` (hashed);
- its config: `/opt/conda/etc/jupyter/jupyter_server_config.py` (the image's defaults) and
  the `jupyter_server_config.d` file the image's start script copies in on every start, which
  turns four of SageMaker's server extensions off; the lab settings overrides;
- the user's home (`/home/sagemaker-user`, with `~/.jupyter`), the working directory;
- the start: `jupyter lab --ServerApp.base_url=/jupyterlab/default --ServerApp.allow_origin=*`
  as the user with `SAGEMAKER_APP_TYPE=JupyterLab`. Two deliberate differences: it listens on
  127.0.0.1 and a free port (the image: 0.0.0.0:8888), with a token (the image: none,
  Studio's proxy authenticates).

The built environment is cached under `.replica/` in the repository (gitignored; or
`$SMCOST_REPLICA_DIR`), keyed by the lock's hash and the interpreter, so only the first run
downloads and installs. Every test gets its own copy of it (`Replica.copy`), placed at the path
its app type uses, with the scripts' `#!` lines moved there as conda does on install.

Run `python -m tests.replica.smd` (as root) to build the cache and print its path and time
(`--sdk`: the SageMaker Python SDK layer too, `sdk_layer`, which only the pre-launch
estimate's test uses: installed apart, once per lock, and put on a copy by a .pth file).

Each process runs in a private mount namespace where the sandbox's `var/log` is `/var/log`:
Studio's extensions write to `/var/log/studio` (the image makes it the user's) and give no way
to move it. The lifecycle script also gets a network namespace of its own: no network.

Needs root (to create/run as the user), `setpriv` and `unshare` (util-linux). When the
interpreter lives where the user cannot reach it (pyenv under /root, mode 0700), its
installation is copied under `.replica/` and the replica's processes get `LD_LIBRARY_PATH`
for its shared libpython: the one thing the image does not need.
"""

from __future__ import annotations

import glob
import hashlib
import json
import os
import pwd
import shutil
import socket
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]
LOCK = REPO / "requirements" / "smd-4.4.1.txt"
#: The SageMaker Python SDK layer (`sdk_layer`): installed apart, never copied per test.
SDK_LOCK = REPO / "requirements" / "smd-4.4.1-sdk.txt"
IMAGE = "SageMaker Distribution 4.4.1"
USER_NAME = "sagemaker-user"
UID = 1000
GID = 100
BASE_URL = "/jupyterlab/default"

#: Where each app type's Jupyter server environment lives (jupyter_smcost.admin.lcc).
ENV_PATHS = {
    "JupyterLab": "opt/conda",
    "JupyterServer": "opt/conda/envs/studio",
    "notebook-instance": "home/ec2-user/anaconda3/envs/JupyterSystemEnv",
}

#: The image's server defaults (its /opt/conda/etc/jupyter/jupyter_server_config.py),
#: the same settings written in our own words.
SERVER_DEFAULTS_PY = """\
# Replica of SageMaker Distribution 4.4.1's default server settings (same values).
c.ServerApp.terminado_settings = {"shell_command": ["/bin/bash"]}
c.ServerApp.tornado_settings = {"compress_response": True}
c.FileContentsManager.delete_to_trash = False
c.FileContentsManager.always_delete_dir = True
c.ContentsManager.allow_hidden = True
"""

#: The server extensions the image's start script turns off on every start (it copies a
#: zzz_sagemaker_overrides.json into /opt/conda/etc/jupyter/jupyter_server_config.d).
SAGEMAKER_OVERRIDES = {
    "ServerApp": {
        "jpserver_extensions": {
            "sagemaker_studio_jupyter_scheduler": False,
            "sagemaker_jupyter_server_extension": False,
            "panel.io.jupyter_server_extension": False,
            "sagemaker_gen_ai_jupyterlab_extension": False,
        }
    }
}
LAB_SETTINGS_OVERRIDES = {"@jupyterlab/filebrowser-extension:browser": {"showHiddenFiles": True}}


class ReplicaUnavailable(RuntimeError):
    """The replica cannot be built on this machine (the reason is in the message)."""


def log(message: str) -> None:
    print(f"smd-replica: {message}", file=sys.stderr, flush=True)


# --- the machine -------------------------------------------------------------------------


def find_python312() -> Path:
    """A CPython 3.12: $REPLICA_PYTHON, python3.12 on PATH, or pyenv's newest 3.12."""
    candidates = [os.environ.get("REPLICA_PYTHON", ""), shutil.which("python3.12") or ""]
    pyenv = Path(os.environ.get("PYENV_ROOT", Path.home() / ".pyenv"))
    candidates += sorted(glob.glob(str(pyenv / "versions" / "3.12*" / "bin" / "python3.12")))[::-1]
    for candidate in filter(None, candidates):
        path = shutil.which(candidate) or candidate
        try:
            out = subprocess.run(
                [path, "-c", "import sys; print(sys.version_info[:2] == (3, 12))"],
                capture_output=True,
                text=True,
                timeout=60,
            ).stdout.strip()
        except (OSError, subprocess.TimeoutExpired):
            continue
        if out == "True":
            return Path(path)
    raise ReplicaUnavailable(
        "no Python 3.12 (set REPLICA_PYTHON, or put python3.12 on PATH or in pyenv)"
    )


def interpreter_facts(python: Path) -> dict[str, str]:
    code = (
        "import json, sys, sysconfig; print(json.dumps({'version': sys.version.split()[0],"
        " 'executable': sys.executable, 'base_prefix': sys.base_prefix,"
        " 'libdir': sysconfig.get_config_var('LIBDIR') or ''}))"
    )
    # A pyenv shim's `sys.executable` is the real interpreter.
    out = subprocess.run([str(python), "-c", code], capture_output=True, text=True, check=True)
    return json.loads(out.stdout)


@dataclass(frozen=True)
class Account:
    """The non-root account the replica runs as (uid 1000, gid 100, as in the image)."""

    name: str
    uid: int
    gid: int
    note: str = ""


def ensure_account() -> Account:
    """`sagemaker-user` (uid 1000, gid 100), created if uid 1000 is free; else uid 1000's own
    account, run with gid 100 (the ids are what file ownership and pip see)."""
    if os.geteuid() != 0:
        raise ReplicaUnavailable("the replica needs root (to create and run as sagemaker-user)")
    for tool in ("setpriv", "unshare", "useradd"):
        if not shutil.which(tool):
            raise ReplicaUnavailable(f"the replica needs {tool} (util-linux / passwd)")
    try:
        existing = pwd.getpwuid(UID)
    except KeyError:
        existing = None
    if existing is None:
        try:
            pwd.getpwnam(USER_NAME)
            raise ReplicaUnavailable(f"{USER_NAME} exists with a uid other than {UID}")
        except KeyError:
            pass
        subprocess.run(
            ["useradd", "--uid", str(UID), "--gid", str(GID), "--no-create-home",
             "--home-dir", f"/home/{USER_NAME}", "--shell", "/bin/bash", USER_NAME],
            check=True,
        )  # fmt: skip
        log(f"created {USER_NAME} (uid {UID}, gid {GID})")
        return Account(USER_NAME, UID, GID)
    note = ""
    if existing.pw_name != USER_NAME:
        note = (
            f"uid {UID} is {existing.pw_name!r} on this machine, not {USER_NAME!r}: the replica "
            f"runs as uid {UID} gid {GID} under that name"
        )
    return Account(existing.pw_name, UID, GID, note)


def as_user(account: Account, argv: list[str], *, no_network: bool = False) -> list[str]:
    """argv run as the account (uid 1000, gid 100, no supplementary groups), optionally in a
    fresh network namespace with nothing but a loopback (entered as root, then dropped)."""
    drop = ["setpriv", f"--reuid={account.uid}", f"--regid={account.gid}", "--clear-groups", "--"]
    return (["unshare", "--net", "--"] if no_network else []) + drop + argv


def lock_key(python_version: str) -> str:
    digest = hashlib.sha256(LOCK.read_bytes())
    digest.update(python_version.encode())
    return digest.hexdigest()[:12]


def cache_root() -> Path:
    return Path(os.environ.get("SMCOST_REPLICA_DIR", REPO / ".replica"))


def _open_to_all(path: Path) -> None:
    """Every directory from / to path is searchable by the user (mode o+x)."""
    for parent in [path, *path.parents]:
        mode = parent.stat().st_mode
        if not mode & 0o001:
            raise ReplicaUnavailable(
                f"{parent} is not searchable by uid {UID}: set SMCOST_REPLICA_DIR to a "
                "directory others can reach (e.g. under /var/tmp)"
            )


# --- the cached environment --------------------------------------------------------------


@dataclass
class Built:
    """The cached, pristine replica environment."""

    path: Path  # the cache entry
    env: Path  # its /opt/conda
    account: Account
    python_version: str
    ld_library_path: str  # "" when the interpreter needs none
    seconds: float  # what this call took (build or cache hit)
    cached: bool


def _base_interpreter(python: Path, account: Account, root: Path) -> tuple[Path, str]:
    """An interpreter the user can run, and the LD_LIBRARY_PATH it needs."""
    facts = interpreter_facts(python)
    executable = Path(facts["executable"]).resolve()
    probe = subprocess.run(as_user(account, [str(executable), "-c", "pass"]), capture_output=True)
    if probe.returncode == 0:
        return executable, ""
    # Out of the user's reach (pyenv under a 0700 /root): copy the installation once.
    base = Path(facts["base_prefix"])
    copy = root / f"python-{facts['version']}"
    if not (copy / ".complete").exists():
        log(f"copying {base} to {copy} (uid {UID} cannot reach it)")
        shutil.rmtree(copy, ignore_errors=True)
        shutil.copytree(
            base,
            copy,
            symlinks=True,
            ignore=shutil.ignore_patterns("test", "tests", "idle_test", "__pycache__"),
        )
        (copy / ".complete").write_text(facts["version"] + "\n")
        for sub in [copy, *copy.rglob("*")]:
            if sub.is_dir() and not sub.is_symlink():
                sub.chmod(0o755)
    relative = executable.relative_to(base)
    return copy / relative, str(copy / Path(facts["libdir"]).relative_to(base))


def build(force: bool = False) -> Built:
    """The cached replica environment, built if the lock or interpreter changed."""
    started = time.monotonic()
    if not LOCK.exists():
        raise ReplicaUnavailable(f"{LOCK} is missing (make lock)")
    account = ensure_account()
    root = cache_root()
    root.mkdir(parents=True, exist_ok=True)
    root.chmod(0o755)
    _open_to_all(root)
    python = find_python312()
    base_python, ld_path = _base_interpreter(python, account, root)
    version = interpreter_facts(python)["version"]
    entry = root / f"smd-4.4.1-{lock_key(version)}"
    env = entry / ENV_PATHS["JupyterLab"]
    meta = entry / "replica.json"
    if meta.exists() and not force:
        return Built(entry, env, account, version, ld_path, time.monotonic() - started, cached=True)
    log(f"building {IMAGE} replica in {entry} (Python {version}, lock {LOCK.name})")
    shutil.rmtree(entry, ignore_errors=True)
    for old in root.glob("smd-4.4.1-*"):  # earlier locks' entries
        shutil.rmtree(old, ignore_errors=True)
    env.parent.mkdir(parents=True)
    for sub in [entry, *env.parents]:
        if entry in [sub, *sub.parents]:
            sub.chmod(0o755)
    run_env = {**os.environ, "LD_LIBRARY_PATH": ld_path} if ld_path else None
    subprocess.run([str(base_python), "-m", "venv", str(env)], check=True, env=run_env)
    # Installed by root with root's pip configuration and cache (the image's build does it as
    # the user, micromamba from conda-forge); then owned by the user, as /opt/conda is.
    for step in (
        ["install", "--quiet", "--require-hashes", "--no-deps", "-r", str(LOCK)],
        ["check"],
    ):
        done = subprocess.run(
            [str(env / "bin" / "python"), "-m", "pip", *step],
            env=run_env,
            capture_output=True,
            text=True,
        )
        if done.returncode != 0:
            raise RuntimeError(f"pip {step[0]} failed:\n{done.stdout}\n{done.stderr}")
    (env / "etc" / "jupyter").mkdir(parents=True, exist_ok=True)
    (env / "etc" / "jupyter" / "jupyter_server_config.py").write_text(SERVER_DEFAULTS_PY)
    settings = env / "share" / "jupyter" / "lab" / "settings"
    settings.mkdir(parents=True, exist_ok=True)
    (settings / "overrides.json").write_text(json.dumps(LAB_SETTINGS_OVERRIDES, indent=2))
    subprocess.run(["chown", "-R", f"{account.uid}:{account.gid}", str(env)], check=True)
    seconds = time.monotonic() - started
    meta.write_text(
        json.dumps(
            {"image": IMAGE, "python": version, "lock_sha256": lock_key(version),
             "build_seconds": round(seconds, 1)},
            indent=2,
        )
    )  # fmt: skip
    log(f"built in {seconds:.0f} s")
    return Built(entry, env, account, version, ld_path, seconds, cached=False)


# --- the SageMaker Python SDK layer -------------------------------------------------------


@dataclass(frozen=True)
class SdkLayer:
    """The image's SageMaker Python SDK, installed once per lock beside the cached
    environment; `Replica.add_sdk` puts it on a copy's sys.path."""

    site: Path  # the packages, as `pip install --target` lays them out
    packages: int  # how many the layer adds to the server environment's
    seconds: float
    cached: bool


def _lock_entries(path: Path) -> dict[str, tuple[str, str]]:
    """A hashed pip-compile lock's entries: name -> (version, the entry's lines)."""
    entries: dict[str, tuple[str, str]] = {}
    name = ""
    for line in path.read_text().splitlines():
        if line[:1].isalnum():
            name, _, version = line.split(" ")[0].partition("==")
            entries[name.lower()] = (version, line + "\n")
        elif line.startswith("    --hash") and name:
            version, text = entries[name.lower()]
            entries[name.lower()] = (version, text + line + "\n")
        elif not line.startswith(" "):
            name = ""
    return entries


def sdk_layer(built: Built) -> SdkLayer:
    """The SDK and what it needs (requirements/smd-4.4.1-sdk.txt, hashed), less what the
    server environment already has at the same version, installed with `pip install
    --target` into the cache (keyed by both locks and the interpreter), then `pip check`ed
    together with the environment. The image has both in /opt/conda; apart, the 370 MB
    environment each test copies does not grow by the SDK's 7 GB (torch with CUDA)."""
    started = time.monotonic()
    if not SDK_LOCK.exists():
        raise ReplicaUnavailable(f"{SDK_LOCK} is missing (make lock)")
    digest = hashlib.sha256(SDK_LOCK.read_bytes())
    digest.update(built.path.name.encode())
    entry = built.path.parent / f"sdk-4.4.1-{digest.hexdigest()[:12]}"
    site = entry / "site"
    meta = entry / "layer.json"
    if meta.exists():
        added = json.loads(meta.read_text())["packages"]
        return SdkLayer(site, added, time.monotonic() - started, cached=True)
    for old in built.path.parent.glob("sdk-4.4.1-*"):
        shutil.rmtree(old, ignore_errors=True)
    base = _lock_entries(LOCK)
    wanted = {
        name: text
        for name, (version, text) in _lock_entries(SDK_LOCK).items()
        if base.get(name, ("",))[0] != version
    }
    log(f"installing the SDK layer in {site} ({len(wanted)} packages)")
    entry.mkdir(mode=0o755)
    requirements = entry / "requirements.txt"
    requirements.write_text("".join(wanted.values()))
    env = {**os.environ, "PYTHONPATH": str(site)}
    if built.ld_library_path:
        env["LD_LIBRARY_PATH"] = built.ld_library_path
    python = str(built.env / "bin" / "python")
    for step in (
        ["install", "--quiet", "--require-hashes", "--no-deps", "--target", str(site),
         "-r", str(requirements)],
        ["check"],
    ):  # fmt: skip
        done = subprocess.run([python, "-m", "pip", *step], env=env, capture_output=True, text=True)
        if done.returncode != 0:
            shutil.rmtree(entry, ignore_errors=True)
            raise RuntimeError(f"pip {step[0]} failed:\n{done.stdout}\n{done.stderr}")
    subprocess.run(["chmod", "-R", "a+rX", str(entry)], check=True)
    seconds = time.monotonic() - started
    meta.write_text(json.dumps({"packages": len(wanted), "build_seconds": round(seconds, 1)}))
    log(f"SDK layer installed in {seconds:.0f} s")
    return SdkLayer(site, len(wanted), seconds, cached=False)


# --- one test's replica -----------------------------------------------------------------


def _relocate(env: Path, old: Path) -> None:
    """Move the copied environment's own paths from `old` to `env` (conda does the same when
    it installs a package): the scripts' `#!` lines, activate scripts, pyvenv.cfg."""
    old_b, new_b = str(old).encode(), str(env).encode()
    for path in [*(env / "bin").iterdir(), env / "pyvenv.cfg"]:
        if path.is_symlink() or not path.is_file():
            continue
        data = path.read_bytes()
        if old_b in data[:65536] and b"\0" not in data[:4096]:
            stat = path.stat()
            tmp = path.with_name(path.name + ".relocate")
            tmp.write_bytes(data.replace(old_b, new_b))
            os.chown(tmp, stat.st_uid, stat.st_gid)
            tmp.chmod(stat.st_mode & 0o7777)
            tmp.replace(path)


def build_wheel(out: Path) -> Path:
    """Our wheel in `out` (a folder the user can read): $SMCOST_REPLICA_WHEEL (make passes
    the one wheel-check built), else one built from this tree."""
    given = os.environ.get("SMCOST_REPLICA_WHEEL")
    if given:
        shutil.copy(given, out)
    else:
        subprocess.run(
            [sys.executable, "-m", "build", "--wheel", "--no-isolation", "--outdir", str(out),
             str(REPO)],
            check=True,
            capture_output=True,
        )  # fmt: skip
    (found,) = out.glob("jupyter_smcost-*.whl")
    found.chmod(0o644)
    return found


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class Replica:
    """One test's sandbox: a root standing for `/` with the environment at its app type's
    path, the user's home, and helpers to run things as the user."""

    built: Built
    root: Path
    app_type: str = "JupyterLab"
    extra_path: list[Path] = field(default_factory=list)
    #: More bind mounts (sandbox directory, path it stands for) in the namespace, after
    #: /var/log: e.g. the sandbox's opt and tmp for /opt and /tmp (tests/replica/serve.py).
    binds: list[tuple[Path, str]] = field(default_factory=list)

    @staticmethod
    def clear_runs(built: Built) -> None:
        """Remove what earlier, interrupted runs left (each test removes its own)."""
        shutil.rmtree(built.path.parent / "runs", ignore_errors=True)

    @classmethod
    def copy(cls, built: Built, app_type: str = "JupyterLab") -> Replica:
        runs = built.path.parent / "runs"
        runs.mkdir(exist_ok=True)
        runs.chmod(0o755)
        root = Path(tempfile.mkdtemp(prefix=f"{app_type}-", dir=runs))
        root.chmod(0o755)
        replica = cls(built, root, app_type)
        env = replica.env
        env.parent.mkdir(parents=True, exist_ok=True)
        subprocess.run(["cp", "-a", str(built.env), str(env)], check=True)
        _relocate(env, built.env)
        for sub in env.parents:  # / .. the env's parent, as in the image: root's, 0755
            if root in [sub, *sub.parents]:
                sub.chmod(0o755)
        replica.home.mkdir(parents=True)
        (replica.home / ".jupyter").mkdir()
        subprocess.run(
            ["chown", "-R", f"{built.account.uid}:{built.account.gid}", str(replica.home)],
            check=True,
        )
        (root / "tmp").mkdir(mode=0o1777)
        (root / "tmp").chmod(0o1777)
        # The image's log directories: /var/log/studio the user's, /var/log/sagemaker a+rw.
        (root / "var" / "log" / "sagemaker").mkdir(parents=True)
        (root / "var" / "log" / "sagemaker").chmod(0o777)
        (root / "var" / "log" / "studio").mkdir()
        os.chown(root / "var" / "log" / "studio", built.account.uid, built.account.gid)
        return replica

    @property
    def env(self) -> Path:
        return self.root / ENV_PATHS[self.app_type]

    @property
    def python(self) -> Path:
        return self.env / "bin" / "python"

    def add_sdk(self, layer: SdkLayer) -> None:
        """The SDK layer on this copy's sys.path, after its own site-packages, by a .pth
        file (the image has the SDK in /opt/conda itself)."""
        (site,) = (self.env / "lib").glob("python3.*/site-packages")
        pth = site / "smcost-replica-sdk-layer.pth"
        pth.write_text(f"{layer.site}\n")
        os.chown(pth, self.built.account.uid, self.built.account.gid)

    @property
    def home(self) -> Path:
        return self.root / "home" / USER_NAME

    def environ(self, **extra: str) -> dict[str, str]:
        """The user's environment, as the image's supervisor hands it to the server."""
        env = {
            "HOME": str(self.home),
            "USER": USER_NAME,
            "LOGNAME": USER_NAME,
            "SHELL": "/bin/bash",
            "LANG": "C.UTF-8",
            "PATH": ":".join(
                [
                    *map(str, self.extra_path),
                    str(self.env / "bin"),
                    "/usr/local/bin",
                    "/usr/bin",
                    "/bin",
                ]
            ),  # fmt: skip
            "TMPDIR": str(self.root / "tmp"),
            "SAGEMAKER_APP_TYPE": "JupyterLab",
            "SAGEMAKER_APP_TYPE_LOWERCASE": "jupyterlab",
            "SAGEMAKER_LOGGING_DIR": "/var/log/sagemaker/",
            "STUDIO_LOGGING_DIR": "/var/log/studio/",
            # No AWS here: botocore must not wait on the instance metadata service.
            "AWS_EC2_METADATA_DISABLED": "true",
        }
        if self.built.ld_library_path:
            env["LD_LIBRARY_PATH"] = self.built.ld_library_path
        env.update(extra)
        return env

    def wrap(
        self, argv: list[str], *, as_root: bool = False, no_network: bool = False
    ) -> list[str]:
        """argv in a private mount namespace where the sandbox's var/log is /var/log (Studio's
        extensions log to /var/log/studio, a path they do not let one change), optionally
        with no network; then as the user unless as_root."""
        inner = argv if as_root else as_user(self.built.account, argv)
        mounts = [(self.root / "var" / "log", "/var/log")]
        for source, target in self.binds:
            mounts.extend(self._keep_visible(source, Path(target)))
            mounts.append((source, target))
        pairs = [str(part) for source, target in mounts for part in (source, target)]
        script = (
            'while [ "$1" != -- ]; do mount --rbind "$1" "$2" || exit 1; shift 2; done; '
            'shift; exec "$@"'
        )
        return [
            "unshare", "--mount", "--propagation", "private", *(["--net"] if no_network else []),
            "--", "/bin/sh", "-c", script, "sh", *pairs, "--", *inner,
        ]  # fmt: skip

    def _keep_visible(self, source: Path, target: Path) -> list[tuple[Path, str]]:
        """Binding `source` over `target` hides what is under `target`: when the replica
        itself (its cache, its copy, this checkout) lives there (a clone under /tmp, say),
        bind that top folder into `source` first, so it stays at its own path."""
        needed = {cache_root().resolve(), self.root.resolve(), REPO.resolve()}
        keep: list[tuple[Path, str]] = []
        for path in sorted(needed):
            if target == path or target not in path.parents:
                continue
            top = target / path.relative_to(target).parts[0]
            inside = source / top.name
            if any(str(inside) == str(k[1]) for k in keep):
                continue
            inside.mkdir(exist_ok=True)
            inside.chmod(0o755)
            keep.append((top, str(inside)))
        return keep

    def run(
        self,
        argv: list[str],
        *,
        as_root: bool = False,
        no_network: bool = False,
        env: dict[str, str] | None = None,
        timeout: float = 300,
    ) -> subprocess.CompletedProcess[str]:
        """argv as the user (or root), with the user's environment, in the home directory."""
        full_env = {**self.environ(), **(env or {})}
        if as_root:
            full_env["HOME"] = "/root"
            full_env["USER"] = full_env["LOGNAME"] = "root"
            full_env["PATH"] += ":/usr/local/sbin:/usr/sbin:/sbin"
        return subprocess.run(
            self.wrap(argv, as_root=as_root, no_network=no_network),
            env=full_env,
            cwd=self.home,
            capture_output=True,
            text=True,
            timeout=timeout,
        )

    def stub(self, name: str, body: str) -> Path:
        """An executable on the replica's PATH (before the environment's own bin)."""
        bin_dir = self.root / "stubs"
        bin_dir.mkdir(exist_ok=True, mode=0o755)
        if bin_dir not in self.extra_path:
            self.extra_path.insert(0, bin_dir)
        path = bin_dir / name
        path.write_text("#!/bin/bash\n" + body)
        path.chmod(0o755)
        return path

    def start_server(
        self,
        token: str,
        extra_args: tuple[str, ...] = (),
        *,
        port: int | None = None,
        env: dict[str, str] | None = None,
    ) -> Server:
        """`jupyter lab` as the image's start script runs it for a JupyterLab space
        (`extra_args`: what a test adds to that command line; `port`: a free one if None;
        `env`: added to the user's environment)."""
        config_d = self.env / "etc" / "jupyter" / "jupyter_server_config.d"
        config_d.mkdir(parents=True, exist_ok=True)
        overrides = config_d / "zzz_sagemaker_overrides.json"
        overrides.write_text(json.dumps(SAGEMAKER_OVERRIDES, indent=2))
        os.chown(overrides, self.built.account.uid, self.built.account.gid)
        port = port or free_port()
        argv = [
            str(self.env / "bin" / "jupyter"), "lab",
            "--ip", "127.0.0.1", "--port", str(port), "--no-browser",
            f"--ServerApp.base_url={BASE_URL}",
            f"--ServerApp.token={token}",
            "--ServerApp.allow_origin=*",
            *extra_args,
        ]  # fmt: skip
        log_path = self.root / "server.log"
        # The server writes its own copy of the descriptor; ours closes at once.
        with log_path.open("w") as log_file:
            proc = subprocess.Popen(
                self.wrap(argv),
                env=self.environ(**(env or {})),
                cwd=self.home,
                stdout=log_file,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        return Server(proc, port, token, log_path)


@dataclass
class Server:
    proc: subprocess.Popen[bytes]
    port: int
    token: str
    log_path: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}{BASE_URL}"

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def get(self, path: str, timeout: float = 10) -> tuple[int, object]:
        import urllib.error
        import urllib.request

        request = urllib.request.Request(
            f"{self.url}/{path.lstrip('/')}", headers={"Authorization": f"token {self.token}"}
        )
        try:
            with urllib.request.urlopen(request, timeout=timeout) as response:
                body = response.read().decode()
                status = response.status
        except urllib.error.HTTPError as error:
            body, status = error.read().decode(errors="replace"), error.code
        try:
            return status, json.loads(body)
        except ValueError:
            return status, body

    def wait(self, timeout: float = 120) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"the server exited ({self.proc.returncode}):\n{self.log()}")
            try:
                status, _ = self.get("api/status", timeout=2)
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.5)
        raise RuntimeError(f"the server did not answer in {timeout} s:\n{self.log()}")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, 15)
            try:
                self.proc.wait(20)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, 9)
                self.proc.wait(10)


def main() -> int:
    force = "--force" in sys.argv[1:]
    try:
        built = build(force=force)
    except ReplicaUnavailable as error:
        log(f"unavailable: {error}")
        return 1
    state = "cache hit" if built.cached else "built"
    log(f"{state} in {built.seconds:.1f} s: {built.env} (Python {built.python_version})")
    if "--sdk" in sys.argv[1:]:
        layer = sdk_layer(built)
        state = "cache hit" if layer.cached else "installed"
        log(f"SDK layer {state} in {layer.seconds:.1f} s: {layer.site}")
    if built.account.note:
        log(built.account.note)
    return 0


if __name__ == "__main__":
    sys.exit(main())
