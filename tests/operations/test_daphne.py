"""config.daphne relies on two facts of daphne and Twisted; an upgrade that changes them
fails here rather than silently bringing the form parsing back (or breaking requests)."""

import contextlib
import inspect

from daphne import http_protocol
from twisted.internet import address
from twisted.web import http

from config.daphne import RawBodyWebRequest, use_raw_body_requests


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
