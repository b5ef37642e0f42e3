"""`kg serve`: a read-only SPARQL 1.1 HTTP endpoint over a build, run by the Oxigraph server.

The server is the `oxigraph` program from PyPI, started in `serve-read-only` mode on the
same on-disk store `kg query` uses (`<build>/.kg-store/`), so it cannot change the data and
starts without re-parsing the build. It binds to 127.0.0.1 unless told otherwise: exposing
an endpoint to the network is a decision to take explicitly (`--host 0.0.0.0`).

Endpoint: http://HOST:PORT/query (SPARQL 1.1 Protocol, GET or POST). Updates get 403.
"""

from __future__ import annotations

import argparse
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time
from pathlib import Path
from typing import IO

from .cli import UserError, log
from .query import ensure_store

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 7878


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("serve", help="serve a build as a read-only SPARQL 1.1 HTTP endpoint (Oxigraph)",
                       description="Serve the RDF of a build as a read-only SPARQL 1.1 endpoint "
                                   "at http://HOST:PORT/query, using the Oxigraph server.")
    p.add_argument("--build", "-b", default="output", help="build folder (default: output/)")
    p.add_argument("--host", default=DEFAULT_HOST, help=f"address to bind (default: {DEFAULT_HOST}, local only)")
    p.add_argument("--port", "-p", type=int, default=DEFAULT_PORT, help=f"port (default: {DEFAULT_PORT})")
    p.add_argument("--timeout", type=float, metavar="SECONDS", help="stop queries that run longer than this")
    p.add_argument("--cors", action="store_true", help="allow cross-origin requests (for browser clients)")
    p.add_argument("--quiet", "-q", action="store_true", help="no startup message")
    p.set_defaults(func=cmd_serve)


def oxigraph_program() -> str:
    """The `oxigraph` executable: beside this Python (a venv's bin/), else on PATH."""
    here = Path(sys.executable).parent / "oxigraph"
    if here.is_file():
        return str(here)
    found = shutil.which("oxigraph")
    if not found:
        raise UserError("the Oxigraph server is not installed: pip install oxigraph")
    return found


def bind_address(host: str, port: int) -> str:
    return f"[{host}]:{port}" if ":" in host and not host.startswith("[") else f"{host}:{port}"


def endpoint_url(host: str, port: int) -> str:
    shown = "127.0.0.1" if host in ("0.0.0.0", "") else host
    shown = f"[{shown}]" if ":" in shown and not shown.startswith("[") else shown
    return f"http://{shown}:{port}/query"


def _check_port(host: str, port: int) -> None:
    if not 0 < port < 65536:
        raise UserError(f"--port {port}: choose a port between 1 and 65535")
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_STREAM) as sock:
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            sock.bind((host.strip("[]"), port))
        except OSError as exc:
            raise UserError(f"cannot listen on {bind_address(host, port)}: {exc.strerror or exc}; "
                            "choose another --port") from None


def start(build: str | Path, host: str = DEFAULT_HOST, port: int = DEFAULT_PORT, *,
          timeout: float | None = None, cors: bool = False, stderr: int | IO[bytes] | None = subprocess.PIPE,
          ) -> subprocess.Popen[bytes]:
    """Start the Oxigraph server on the build's store and return the process (not yet ready)."""
    program = oxigraph_program()
    location = ensure_store(build)
    _check_port(host, port)
    cmd = [program, "serve-read-only", "--location", str(location), "--bind", bind_address(host, port)]
    if timeout:
        cmd += ["--timeout-s", str(max(1, round(timeout)))]
    if cors:
        cmd.append("--cors")
    return subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=subprocess.DEVNULL, stderr=stderr)


def wait_ready(proc: subprocess.Popen[bytes], host: str, port: int, timeout: float = 30.0) -> None:
    """Return once the server accepts connections; a UserError with its message if it died."""
    deadline = time.monotonic() + timeout
    addr = "127.0.0.1" if host in ("0.0.0.0", "") else ("::1" if host == "::" else host.strip("[]"))
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            err = proc.stderr.read().decode("utf-8", "replace").strip() if proc.stderr else ""
            last = err.splitlines()[-1] if err else f"exit status {proc.returncode}"
            raise UserError(f"the Oxigraph server stopped: {last}")
        try:
            with socket.create_connection((addr, port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    stop(proc)
    raise UserError(f"the Oxigraph server did not start listening on port {port} within {timeout:.0f}s")


def stop(proc: subprocess.Popen[bytes], grace: float = 5.0) -> None:
    """Terminate the server (SIGTERM, then SIGKILL after `grace` seconds)."""
    if proc.poll() is None:
        proc.terminate()
        try:
            proc.wait(grace)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait()
    if proc.stderr:
        proc.stderr.close()


def _relay(stream: IO[bytes]) -> None:
    for line in iter(stream.readline, b""):
        sys.stderr.buffer.write(line)
        sys.stderr.flush()


def cmd_serve(args: argparse.Namespace) -> int:
    proc = start(args.build, args.host, args.port, timeout=args.timeout, cors=args.cors)
    # SIGTERM (e.g. from a service manager) stops the server too, via the finally below.
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    try:
        wait_ready(proc, args.host, args.port)
        if proc.stderr:
            threading.Thread(target=_relay, args=(proc.stderr,), daemon=True).start()
        log(args, f"kg: serving {args.build} read-only at {endpoint_url(args.host, args.port)} (Ctrl-C to stop)")
        return proc.wait()
    except KeyboardInterrupt:
        return 0
    finally:
        stop(proc)
