"""The interpreters the benchmark runs: the peers' own venv and the project's.

The peers live in benchmarks/.venv-peers, made on first use with ``python -m venv`` and
``pip install -r requirements-peers.txt``. When the whole set fails to install, each
requirement is tried alone so one broken peer costs only its own column.
"""

from __future__ import annotations

import hashlib
import json
import os
import platform
import shutil
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
REPO = HERE.parent
PEERS_VENV = HERE / ".venv-peers"
REQUIREMENTS = HERE / "requirements-peers.txt"
PEERS = ("labelformat", "globox", "supervision", "datumaro")
_MARKER = PEERS_VENV / "bench-installed.json"


def _log(message: str) -> None:
    print(f"[env] {message}", file=sys.stderr, flush=True)


def _requirements() -> list[str]:
    lines = REQUIREMENTS.read_text(encoding="utf-8").splitlines()
    return [line.strip() for line in lines if line.strip() and not line.startswith("#")]


def _digest() -> str:
    return hashlib.sha256(REQUIREMENTS.read_bytes()).hexdigest()


def peers_python() -> Path:
    """The peers venv's interpreter."""
    return PEERS_VENV / "bin" / "python"


def _pip(args: list[str]) -> subprocess.CompletedProcess[str]:
    command = [str(peers_python()), "-m", "pip", "install", "--disable-pip-version-check", *args]
    return subprocess.run(command, capture_output=True, text=True, check=False)


def _last_line(text: str) -> str:
    lines = [line for line in text.splitlines() if line.strip()]
    return lines[-1][:160] if lines else "(no output)"


def ensure_peers() -> dict[str, str]:
    """Create or reuse the peers venv; return each requirement's status ("ok" or why not)."""
    if _MARKER.is_file():
        marker = json.loads(_MARKER.read_text(encoding="utf-8"))
        if marker.get("digest") == _digest() and peers_python().exists():
            return dict(marker["status"])
    started = time.perf_counter()
    _log(f"creating {PEERS_VENV.relative_to(REPO)} (first run only)")
    shutil.rmtree(PEERS_VENV, ignore_errors=True)
    subprocess.run([sys.executable, "-m", "venv", str(PEERS_VENV)], check=True)
    status: dict[str, str] = {}
    result = _pip(["-r", str(REQUIREMENTS)])
    if result.returncode == 0:
        status = {req.split("==")[0]: "ok" for req in _requirements()}
    else:
        _log("installing all peers at once failed; trying one at a time")
        for requirement in _requirements():
            one = _pip([requirement])
            name = requirement.split("==")[0]
            status[name] = (
                "ok"
                if one.returncode == 0
                else (f"install failed: {_last_line(one.stderr or one.stdout)}")
            )
    _MARKER.write_text(json.dumps({"digest": _digest(), "status": status}), encoding="utf-8")
    _log(f"peers venv ready in {time.perf_counter() - started:.0f} s: {status}")
    return status


def peer_versions() -> dict[str, str]:
    """Installed version of each peer (and orjson), read from the peers venv."""
    code = (
        "import json, importlib.metadata as m\n"
        "out = {}\n"
        f"for name in {[*PEERS, 'orjson']!r}:\n"
        "    try: out[name] = m.version(name)\n"
        "    except m.PackageNotFoundError: pass\n"
        "print(json.dumps(out))"
    )
    result = subprocess.run(
        [str(peers_python()), "-c", code], capture_output=True, text=True, check=False
    )
    return dict(json.loads(result.stdout)) if result.returncode == 0 else {}


def project_python() -> Path:
    """The project's interpreter: the repository's .venv if present, else this one."""
    candidate = REPO / ".venv" / "bin" / "python"
    return candidate if candidate.exists() else Path(sys.executable)


def ango_convert_command() -> list[str]:
    """How to run the ``ango-convert`` command from the project's environment."""
    script = project_python().parent / "ango-convert"
    if script.exists():
        return [str(script)]
    return [str(project_python()), "-c", "from ango_convert.cli.main import main; main()"]


def floor_python() -> Path:
    """An interpreter with orjson for the floor: the project's if it has it, else the peers'."""
    probe = subprocess.run(
        [str(project_python()), "-c", "import orjson"], capture_output=True, check=False
    )
    return project_python() if probe.returncode == 0 else peers_python()


def our_formats() -> dict[str, str]:
    """Which of our formats and modules load: name -> "ok" or the error."""
    code = (
        "import json, importlib\n"
        "out = {}\n"
        "try:\n"
        "    from ango_convert import registry\n"
        "except Exception as exc:\n"
        "    print(json.dumps({'*': f'{type(exc).__name__}: {exc}'})); raise SystemExit\n"
        "for name in ['coco', 'yolo', 'voc', 'ango', 'ango-v3']:\n"
        "    try: registry.get_format(name); out[name] = 'ok'\n"
        "    except Exception as exc: out[name] = f'{type(exc).__name__}: {exc}'\n"
        "for module in ['ango_convert.io.imagesize', 'ango_convert.cli.inspect_cmd']:\n"
        "    try: importlib.import_module(module); out[module] = 'ok'\n"
        "    except Exception as exc: out[module] = f'{type(exc).__name__}: {exc}'\n"
        "print(json.dumps(out))"
    )
    result = subprocess.run(
        [str(project_python()), "-c", code], capture_output=True, text=True, check=False, cwd=REPO
    )
    try:
        return dict(json.loads(result.stdout.strip().splitlines()[-1]))
    except (ValueError, IndexError):
        return {"*": _last_line(result.stderr)}


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def _ram() -> str:
    try:
        for line in Path("/proc/meminfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("MemTotal:"):
                return f"{int(line.split()[1]) / 1024 / 1024:.1f} GiB"
    except OSError:
        pass
    return "unknown"


def _git_commit() -> str:
    result = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"],
        capture_output=True,
        text=True,
        check=False,
        cwd=REPO,
    )
    return result.stdout.strip() or "unknown"


def machine() -> dict[str, str]:
    """The facts the results table is printed with."""
    python = subprocess.run(
        [str(project_python()), "--version"], capture_output=True, text=True, check=False
    ).stdout.strip()
    return {
        "cores": str(len(os.sched_getaffinity(0))),
        "cpu": _cpu_model(),
        "ram": _ram(),
        "python": python or platform.python_version(),
        "os": f"{platform.system()} {platform.release()}",
        "commit": _git_commit(),
        "date": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "load": load_average(),
    }


def load_average() -> str:
    """The 1, 5 and 15 minute load averages."""
    return " / ".join(f"{value:.1f}" for value in os.getloadavg())
