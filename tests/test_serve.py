"""`kg serve`: a real Oxigraph SPARQL endpoint, queried over HTTP, always stopped afterwards."""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Iterator
from pathlib import Path

import pytest
from test_rdf_support import QUERIES, export_build, kg_command, make_query_graph

from kg.cli import main


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen, timeout: float = 30) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        assert proc.poll() is None, proc.stderr.read().decode() if proc.stderr else "kg serve exited"
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.5):
                return
        except OSError:
            time.sleep(0.1)
    raise AssertionError("kg serve did not start listening")


@pytest.fixture(scope="module")
def server(tmp_path_factory) -> Iterator[tuple[str, subprocess.Popen]]:
    """`kg serve` in its own process group, so kg and the oxigraph child both go at teardown."""
    build = export_build(make_query_graph(), tmp_path_factory.mktemp("serve"))
    port = free_port()
    proc = subprocess.Popen([*kg_command(), "serve", "--build", str(build), "--port", str(port)],
                            stdout=subprocess.PIPE, stderr=subprocess.PIPE, start_new_session=True)
    try:
        wait_for_port(port, proc)
        yield f"http://127.0.0.1:{port}", proc
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGTERM)
            try:
                proc.wait(10)
            except subprocess.TimeoutExpired:
                os.killpg(proc.pid, signal.SIGKILL)
                proc.wait()
        for stream in (proc.stdout, proc.stderr):
            if stream:
                stream.close()


def sparql(url: str, query: str) -> dict:
    req = urllib.request.Request(f"{url}/query", data=query.encode("utf-8"), method="POST",
                                 headers={"Content-Type": "application/sparql-query",
                                          "Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        assert resp.status == 200
        return json.load(resp)


def test_endpoint_answers_sparql_over_http(server):
    url, _ = server
    data = sparql(url, (QUERIES / "party-policies-since-2018.rq").read_text(encoding="utf-8"))
    rows = [{k: v["value"] for k, v in b.items()} for b in data["results"]["bindings"]]
    assert rows == [{"policy": "关于加强新就业形态劳动者权益保障的意见", "issuedBy": "党中央",
                     "date": "2019-05-01", "document": "doc_2019"}]
    # GET, as the SPARQL protocol allows
    q = urllib.parse.quote("ASK { ?x <http://www.w3.org/2000/01/rdf-schema#label> \"全国总工会\"@zh }")
    req = urllib.request.Request(f"{url}/query?query={q}", headers={"Accept": "application/sparql-results+json"})
    with urllib.request.urlopen(req, timeout=30) as resp:
        assert json.load(resp)["boolean"] is True


def test_endpoint_is_read_only(server):
    url, _ = server
    req = urllib.request.Request(f"{url}/update", method="POST",
                                 data=b"INSERT DATA { <http://a/x> <http://a/p> <http://a/y> }",
                                 headers={"Content-Type": "application/sparql-update"})
    with pytest.raises(urllib.error.HTTPError) as info:
        urllib.request.urlopen(req, timeout=30)
    assert info.value.code in (403, 404, 405)
    n = sparql(url, "SELECT (COUNT(*) AS ?n) WHERE { <http://a/x> ?p ?o }")
    assert n["results"]["bindings"][0]["n"]["value"] == "0"


def test_serve_stops_cleanly_and_reports_busy_ports(tmp_path, capsys):
    build = export_build(make_query_graph(), tmp_path / "b")
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        port = busy.getsockname()[1]
        assert main(["serve", "--build", str(build), "--port", str(port)]) == 2
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "choose another --port" in err
    assert main(["serve", "--build", str(Path(tmp_path / "missing"))]) == 2


def test_sigterm_stops_the_oxigraph_child(tmp_path):
    build = export_build(make_query_graph(), tmp_path / "b")
    port = free_port()
    proc = subprocess.Popen([*kg_command(), "serve", "-b", str(build), "-p", str(port)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, start_new_session=True)
    try:
        wait_for_port(port, proc)
        proc.send_signal(signal.SIGTERM)  # only kg, not its process group
        assert proc.wait(15) == 0
        with pytest.raises(OSError):  # the oxigraph server went with it
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
    finally:
        if proc.poll() is None:
            os.killpg(proc.pid, signal.SIGKILL)
            proc.wait()
        try:
            os.killpg(proc.pid, signal.SIGKILL)  # anything left in the group
        except ProcessLookupError:
            pass
        if proc.stderr:
            proc.stderr.close()
