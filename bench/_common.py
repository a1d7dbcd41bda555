"""Small helpers the benchmarks share: the machine they ran on, peak memory, and the verdict line.

Benchmarks are not tests: they print figures and PASS/MISS against a target, and always exit 0."""

from __future__ import annotations

import asyncio
import datetime as _dt
import os
import platform
import resource
import subprocess
import sys
from pathlib import Path

REPO = Path(__file__).resolve().parent.parent
if str(REPO) not in sys.path:  # `python bench/x.py` puts bench/ on the path, not the repo
    sys.path.insert(0, str(REPO))


def cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine_line() -> str:
    return (f"machine: {os.cpu_count()} cpu(s), {cpu_model()}, Python {platform.python_version()}, "
            f"{_dt.datetime.now(_dt.UTC).strftime('%Y-%m-%d %H:%M UTC')}")


def peak_rss_mb() -> float:
    """Peak resident memory of this process so far (ru_maxrss is KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def header(title: str) -> None:
    print(f"== {title} ==")
    print(machine_line())


def verdict(name: str, ok: bool, detail: str) -> str:
    line = f"{'PASS' if ok else 'MISS'}  {name}: {detail}"
    print(line)
    return line


def ratio(fast: float, slow: float) -> float:
    return fast / slow if slow > 0 else float("inf")


async def serve_until_stdin_closes(app: object) -> None:
    """In a server subprocess: serve an aiohttp app on 127.0.0.1, print the port, stop when the
    parent closes our stdin."""
    from aiohttp import web

    runner = web.AppRunner(app, access_log=None)  # type: ignore[arg-type]
    await runner.setup()
    await web.TCPSite(runner, "127.0.0.1", 0).start()
    print(runner.addresses[0][1], flush=True)
    await asyncio.get_running_loop().run_in_executor(None, sys.stdin.read)
    await runner.cleanup()


class ServerProcess:
    """The parent's side: start `script --serve` in a subprocess, read its port; close() stops it."""

    def __init__(self, script: str) -> None:
        self.proc = subprocess.Popen([sys.executable, script, "--serve"], stdin=subprocess.PIPE,
                                     stdout=subprocess.PIPE, text=True)
        assert self.proc.stdout is not None
        self.base = f"http://127.0.0.1:{int(self.proc.stdout.readline())}"

    def close(self) -> None:
        assert self.proc.stdin is not None
        self.proc.stdin.close()
        try:
            self.proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            self.proc.kill()
