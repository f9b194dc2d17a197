"""Connections a peer can make the gateway hold are bounded: a cap per port (new connections past it are
closed at once), and a deadline for each connection to do something useful (admin port: complete a request;
gRPC port: send the HTTP/2 preface). Before, 1,000 stalled connections were still open after 20 s."""
import socket
import time
import urllib.request

from harness import Proc, free_port, gateway_binary, wait_for_http


def closed_by_peer(sock, within):
    """True if the gateway closes `sock` within `within` seconds (EOF or reset)."""
    sock.settimeout(within)
    try:
        return sock.recv(1) == b""
    except ConnectionResetError:
        return True
    except socket.timeout:
        return False


def test_connection_cap_and_request_deadline(tmp_path):
    grpc, admin = free_port(), free_port()
    gw = Proc("gateway", [str(gateway_binary()), "--grpc-listen", f"127.0.0.1:{grpc}", "--admin-listen", f"127.0.0.1:{admin}",
                          "--threads", "1", "--max-connections", "20", "--request-timeout-seconds", "1.5"], tmp_path)
    held = []
    try:
        wait_for_http(f"http://127.0.0.1:{admin}/healthz")
        time.sleep(0.2)  # the probe's own connection closes
        for _ in range(20):
            s = socket.create_connection(("127.0.0.1", admin))
            s.sendall(b"GET /healthz HTTP/1.1\r\nHost: x\r\n")  # a request head that never completes
            held.append(s)
        time.sleep(0.2)
        extra = socket.create_connection(("127.0.0.1", admin))
        assert closed_by_peer(extra, 1.0), "a connection past the cap must be closed at once"
        extra.close()
        # The stalled ones are cut off at the deadline; the port then serves again.
        assert all(closed_by_peer(s, 3.0) for s in held), "stalled requests must be cut off"
        with urllib.request.urlopen(f"http://127.0.0.1:{admin}/healthz", timeout=2) as r:
            assert r.status == 200
        # gRPC port: a connection that never sends the HTTP/2 preface is closed too.
        silent = socket.create_connection(("127.0.0.1", grpc))
        assert not closed_by_peer(silent, 0.5)
        assert closed_by_peer(silent, 3.0)
        silent.close()
        assert "connection limit reached" in gw.output()
    finally:
        for s in held:
            s.close()
        gw.stop()
