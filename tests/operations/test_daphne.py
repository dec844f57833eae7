"""config.daphne relies on facts of daphne and Twisted; an upgrade that changes them fails
here rather than silently bringing the form parsing back, losing uvloop, or breaking requests."""

import contextlib
import inspect
import subprocess
import sys

import httpx
from daphne import http_protocol
from twisted.internet import address
from twisted.web import http

from config import serve
from config.daphne import QuietHTTPFactory, RawBodyWebRequest, use_raw_body_requests
from tests.servers import LOCALHOST, PROJECT_ROOT, free_port
from tests.waiting import wait_until


def test_daphne_builds_its_requests_from_the_module_s_webrequest_name():
    source = inspect.getsource(http_protocol.HTTPFactory.buildProtocol)
    assert "protocol.requestFactory = WebRequest" in source


def test_twisted_requests_take_parse_post_form_submission():
    assert "parsePOSTFormSubmission" in inspect.signature(http.Request.__init__).parameters


def test_the_node_s_requests_skip_form_parsing(monkeypatch):
    use_raw_body_requests()
    protocol = http_protocol.HTTPFactory(server=None).buildProtocol(
        address.IPv4Address("TCP", "127.0.0.1", 1)
    )
    assert protocol.requestFactory is RawBodyWebRequest
    passed = {}

    def record(self, channel, *args, **kwargs):
        passed.update(kwargs)
        raise RuntimeError("recorded")  # daphne's WebRequest logs and re-raises

    monkeypatch.setattr(http.Request, "__init__", record)
    with contextlib.suppress(RuntimeError):
        RawBodyWebRequest(object())
    assert passed == {"parsePOSTFormSubmission": False}


def test_the_node_launcher_runs_daphne_on_uvloop(tmp_path):
    port = free_port()
    log = (tmp_path / "daphne.log").open("wb")
    server = subprocess.Popen(
        [sys.executable, "-m", "config.daphne", "-b", LOCALHOST, "-p", str(port),
         "tests.operations.loop_app:application"],
        cwd=PROJECT_ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )  # fmt: skip
    try:

        def answer() -> str | None:
            assert server.poll() is None, (tmp_path / "daphne.log").read_text()
            try:
                return httpx.get(f"http://{LOCALHOST}:{port}/", timeout=2).text
            except httpx.TransportError:
                return None

        assert wait_until(answer, what="the launched daphne's answer") == "uvloop.Loop"
    finally:
        server.terminate()
        server.wait(timeout=10)


def test_every_way_of_starting_a_node_uses_the_launcher():
    (command,) = serve.commands(port=8000, processes=1, interface="127.0.0.1", backlog=1024)
    assert command[1:3] == ["-m", "config.daphne"]
    assert "-m config.daphne " in (PROJECT_ROOT / "Makefile").read_text()


def test_daphne_builds_its_http_factory_from_the_server_module_s_name():
    from daphne import server

    assert "self.http_factory = HTTPFactory(self)" in inspect.getsource(server.Server.run)
    assert "beginLoggingTo(\n                [lambda _: None]" in inspect.getsource(
        server.Server.run
    )


def test_twisted_logs_each_request_through_its_factory():
    assert "self.channel.factory.log(self)" in inspect.getsource(http.Request.finish)


class _Server:
    def __init__(self, verbosity: int) -> None:
        self.verbosity = verbosity


def test_the_quiet_factory_formats_no_access_line_unless_daphne_passes_them_on(monkeypatch):
    formatted = []
    monkeypatch.setattr(http.HTTPFactory, "log", lambda factory, request: formatted.append(request))
    QuietHTTPFactory(_Server(verbosity=1)).log("request")
    assert formatted == []
    QuietHTTPFactory(_Server(verbosity=2)).log("request")
    assert formatted == ["request"]
