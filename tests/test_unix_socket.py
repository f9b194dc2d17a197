"""The gRPC port on a Unix domain socket (`--grpc-listen unix:/path`): only processes that may open the
socket file (mode 0660: its owner and group) can reach ext_proc, ext_authz and the access log service,
so the gateway's only gRPC peer is Envoy. Envoy reaches it through a `pipe` address."""
import os
import socket
import stat

from federation_stack import FederatedStack

MARKER = "address: { socket_address: { address: 127.0.0.1, port_value: 50051 } }"


def test_envoy_reaches_the_gateway_over_a_unix_socket(tmp_path):
    sock = tmp_path / "grpc.sock"
    stack = FederatedStack(tmp_path, gateway_extra=["--grpc-listen", f"unix:{sock}"],
                           envoy_replace={MARKER: f"address: {{ pipe: {{ path: {sock} }} }}"})
    try:
        mode = os.stat(sock).st_mode
        assert stat.S_ISSOCK(mode) and stat.S_IMODE(mode) == 0o660, oct(mode)
        # Nothing listens on the TCP port the flag replaced.
        with socket.socket() as s:
            assert s.connect_ex(("127.0.0.1", stack.grpc_port)) != 0
        # A whole MCP exchange through Envoy -> ext_proc over the socket -> the server.
        session = stack.initialize()
        status, _, body = stack.post({"jsonrpc": "2.0", "id": 2, "method": "tools/call",
                                      "params": {"name": "calculus_differentiate", "arguments": {"expression": "x**2"}}},
                                     stack.session_headers(session))
        assert status == 200 and "2*x" in str(body)
    finally:
        stack.stop()
    # A restart replaces the stale socket file instead of failing to bind.
    (tmp_path / "again").mkdir()
    stack2 = FederatedStack(tmp_path / "again", gateway_extra=["--grpc-listen", f"unix:{sock}"],
                            envoy_replace={MARKER: f"address: {{ pipe: {{ path: {sock} }} }}"})
    stack2.stop()
