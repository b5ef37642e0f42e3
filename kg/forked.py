"""Run a piece of work in a forked child process, for the end of a build where one core is idle.

Why fork: the child sees the parent's memory as it is (copy-on-write), so a job that reads a large
structure (the merged graph) needs nothing pickled or sent; it writes its result to a file and
exits. Only where fork is safe and cheap (Linux); elsewhere, and whenever the child fails, the
caller does the work itself, so the child is only ever a shortcut.
"""

from __future__ import annotations

import os
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path


def available() -> bool:
    """Whether work can be forked off here (Linux: macOS forbids fork in processes using some system
    libraries, Windows has none)."""
    return sys.platform == "linux" and hasattr(os, "fork")


class Forked:
    """`job(path)` running in a child that writes its result to `path` (a new file in `folder`).
    `wait()` says whether it succeeded; `close()` kills it if still running and deletes the file."""

    def __init__(self, folder: str | os.PathLike[str], prefix: str, job: Callable[[str], None]) -> None:
        fd, self.path = tempfile.mkstemp(prefix=prefix, suffix=".part", dir=folder)
        os.close(fd)
        self.pid = 0
        self.ok: bool | None = None
        sys.stdout.flush()
        sys.stderr.flush()
        pid = os.fork()
        if pid == 0:  # the child: never return into the caller's code, never run its exit handlers
            code = 1
            try:
                job(self.path)
                code = 0
            except BaseException:  # noqa: BLE001 - the parent does the work itself then
                pass
            finally:
                os._exit(code)
        self.pid = pid

    def wait(self) -> bool:
        """Wait for the child; True if its job finished and wrote its file."""
        if self.ok is None:
            _, status = os.waitpid(self.pid, 0)
            self.ok = os.waitstatus_to_exitcode(status) == 0
        return self.ok

    def close(self) -> None:
        if self.ok is None:  # the parent gave up (an error, Ctrl-C): stop the child
            try:
                os.kill(self.pid, 9)
                os.waitpid(self.pid, 0)
            except OSError:
                pass
            self.ok = False
        Path(self.path).unlink(missing_ok=True)
