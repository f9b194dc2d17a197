"""Faults, each asserting what the client sees and that nobody else is disturbed."""
import json
import signal
import sys
import threading
import time

import pytest

from federation_stack import FederatedStack, parse_body
from harness import ROOT, Proc, free_port, wait_for_http


class Faulty(Proc):
    def __init__(self, log_dir, port=None):
        self.port = port or free_port()
        super().__init__("faulty", [sys.executable, str(ROOT / "tests" / "faulty_backend.py"), "--port", str(self.port)], log_dir)
        wait_for_http(f"http://127.0.0.1:{self.port}/healthz")


@pytest.fixture(scope="module")
def stack(tmp_path_factory):
    d = tmp_path_factory.mktemp("faults")
    faulty = Faulty(d)
    s = FederatedStack(d, extra_servers=[{"name": "faulty", "url": f"http://127.0.0.1:{faulty.port}/mcp", "timeoutSeconds": 5}],
                       envoy_replace={"route: { cluster: mcp_dynamic_servers, timeout: 60s }":
                                      "route: { cluster: mcp_dynamic_servers, timeout: 2s }"})
    s.faulty = faulty
    s.wait_for_tools(["faulty_ok"])
    yield s
    s.stop()
    s.faulty.stop()


def call(stack, session, name, args=None, id=1):
    return stack.post({"jsonrpc": "2.0", "id": id, "method": "tools/call", "params": {"name": name, "arguments": args or {}}},
                      stack.session_headers(session))


def healthy(stack, session):
    status, _, body = call(stack, session, "calculus_simplify", {"expression": "x+x"}, id=99)
    return status == 200 and body["result"]["structuredContent"]["result"] == "2*x"


def test_hanging_server_times_out_with_an_error_naming_it(stack):
    s = stack.initialize()
    result = {}
    t = threading.Thread(target=lambda: result.update(r=call(stack, s, "faulty_hang")))
    start = time.monotonic()
    t.start()
    time.sleep(0.3)
    assert healthy(stack, s)  # others keep working meanwhile
    t.join(15)
    status, _, body = result["r"]
    assert time.monotonic() - start < 10
    assert body["error"]["code"] == -32603 and "faulty" in body["error"]["message"] and "timeout" in body["error"]["message"]
    assert call(stack, s, "faulty_ok")[2]["result"]["content"][0]["text"] == "fine"  # the session survives
    # Envoy's access log reports the timeout (flushed every 0.2 s): counted as one.
    deadline = time.time() + 5
    while stack.metric_value("mcp_tool_calls_total", server="faulty", tool="faulty_hang", outcome="timeout") < 1 and time.time() < deadline:
        time.sleep(0.05)
    assert stack.metric_value("mcp_tool_calls_total", server="faulty", tool="faulty_hang", outcome="timeout") == 1


def test_wrong_content_type_passes_through_and_hurts_nobody(stack):
    """The shipped configs skip the ext_proc response phase: a server's non-MCP reply reaches the
    client as sent (its SDK reports the content type); with response_header_mode: SEND the gateway
    replaces it with an error naming the server (next test)."""
    s = stack.initialize()
    status, hdrs, text = stack.post({"jsonrpc": "2.0", "id": 6, "method": "tools/call", "params": {"name": "faulty_html"}},
                                    stack.session_headers(s), raw=True)
    assert status == 200 and hdrs["content-type"].startswith("text/html"), (status, hdrs)
    assert healthy(stack, s) and call(stack, s, "faulty_ok")[0] == 200


def test_response_phase_turns_wrong_content_type_and_timeout_into_errors_naming_the_server(tmp_path):
    """With response_header_mode: SEND the gateway reads the server's response headers itself:
    a non-MCP reply and Envoy's own 504 become JSON-RPC errors naming the server, counted once."""
    faulty = Faulty(tmp_path)
    s = FederatedStack(tmp_path, extra_servers=[{"name": "faulty", "url": f"http://127.0.0.1:{faulty.port}/mcp", "timeoutSeconds": 5}],
                       envoy_replace={"route: { cluster: mcp_dynamic_servers, timeout: 60s }":
                                      "route: { cluster: mcp_dynamic_servers, timeout: 2s }",
                                      "response_header_mode: SKIP": "response_header_mode: SEND"})
    try:
        s.wait_for_tools(["faulty_ok"])
        session = s.initialize()
        status, _, body = call(s, session, "faulty_html")
        assert body["error"]["code"] == -32603 and "faulty" in body["error"]["message"] and "text/html" in body["error"]["message"]
        status, _, body = call(s, session, "faulty_hang")
        assert body["error"]["code"] == -32603 and "faulty" in body["error"]["message"] and "timeout" in body["error"]["message"]
        assert healthy(s, session)
        time.sleep(0.5)  # an access log entry, were it counted too, has arrived by now
        assert s.metric_value("mcp_tool_calls_total", server="faulty", tool="faulty_html", outcome="error") == 1
        assert s.metric_value("mcp_tool_calls_total", server="faulty", tool="faulty_hang", outcome="timeout") == 1
    finally:
        s.stop()
        faulty.stop()


def test_garbage_reply_reaches_the_client_and_hurts_nobody(stack):
    s = stack.initialize()
    status, hdrs, text = stack.post({"jsonrpc": "2.0", "id": 5, "method": "tools/call", "params": {"name": "faulty_garbage"}},
                                    stack.session_headers(s), raw=True)
    assert status == 200 and text == "{{{ this is not json"  # passed through as sent: the client's parser reports it
    assert healthy(stack, s) and call(stack, s, "faulty_ok")[0] == 200


def test_server_killed_mid_call_then_back(stack, tmp_path):
    s = stack.initialize()
    assert call(stack, s, "faulty_ok")[0] == 200
    status, _, body = call(stack, s, "faulty_die")
    assert "error" in body and "faulty" in body["error"]["message"], body
    assert healthy(stack, s)
    stack.faulty.stop()
    stack.faulty = Faulty(tmp_path, port=stack.faulty.port)
    # the restarted server knows no sessions: the gateway opens a fresh one transparently
    deadline = time.time() + 15
    while time.time() < deadline:
        status, _, body = call(stack, s, "faulty_ok")
        if status == 200 and "result" in body:
            break
        time.sleep(0.3)
    assert body["result"]["content"][0]["text"] == "fine", body


def test_gateway_killed_with_streams_open_fails_closed_and_recovers(stack):
    s = stack.initialize()
    result = {}
    t = threading.Thread(target=lambda: result.update(r=call(stack, s, "faulty_hang")))
    t.start()
    time.sleep(0.5)
    stack.gateway.popen.send_signal(signal.SIGKILL)
    stack.gateway.popen.wait()
    t.join(15)
    status, _, _ = result["r"]
    assert status >= 500 or "error" in result["r"][2]
    status, _, _ = stack.post({"jsonrpc": "2.0", "id": 1, "method": "tools/list"}, stack.session_headers(s))
    assert status >= 500  # no gateway: refused, never passed through
    stack.start_gateway()
    stack.wait_for_tools(["calculus_simplify", "faulty_ok"])
    assert healthy(stack, s)  # same session, new process


@pytest.mark.parametrize("body,expect", [
    (b'{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"calc\\u0075lus_simplify","arguments":{"expression":"x+x"}}}', 200),
    (b' \n\t{ "jsonrpc" : "2.0" , "id" : 1 , "method" : "tools/call" , "params" : { "name" : "calculus_simplify" , '
     b'"arguments" : { "expression" : "x+x" } } } \n', 200),
    (b'{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"nope","name":"calculus_simplify","arguments":{"expression":"x+x"}}}', 200),
    (b'{"jsonrpc":"2.0","id":1,"method":"ping","params":' + b'[' * 5000 + b']' * 5000 + b'}', 400),
    (b'{"jsonrpc":"2.0","id":1,"method":"ping","x":"\xc3\x28"}', 400),
    (b'{"jsonrpc":"2.0","id":123456789012345678901234567890,"method":"ping"}', 200),
])
def test_json_edge_cases(stack, body, expect):
    s = stack.initialize()
    status, hdrs, text = stack.post(body, stack.session_headers(s), raw=True)
    assert status == expect, text
    reply = parse_body(text, hdrs.get("content-type", ""))
    if expect == 400:
        assert reply["error"]["code"] == -32700
    elif b"123456789012345678901234567890" in body:
        assert '"id":123456789012345678901234567890' in text  # the id comes back byte for byte
    else:
        assert reply["result"]["structuredContent"]["result"] == "2*x"
