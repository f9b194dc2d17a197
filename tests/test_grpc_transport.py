"""The gRPC server over libnghttp2, driven by an independent client (Python grpcio) and raw sockets."""
import socket
import threading
import time

import grpc
import h2.connection
import h2.config
import h2.events
import pytest
from grpc_health.v1 import health_pb2, health_pb2_grpc

ECHO = "/mcpgateway.testing.v1.Echo/"


def channel(gw, **opts):
    options = [("grpc.max_send_message_length", -1), ("grpc.max_receive_message_length", -1)]
    return grpc.insecure_channel(gw.grpc_target, options=options, **opts)


def unary(ch, method):
    return ch.unary_unary(ECHO + method, request_serializer=None, response_deserializer=None)


def bidi(ch):
    return ch.stream_stream(ECHO + "Bidi", request_serializer=None, response_deserializer=None)


def test_health_check_serving(shared_gateway):
    with channel(shared_gateway) as ch:
        stub = health_pb2_grpc.HealthStub(ch)
        reply = stub.Check(health_pb2.HealthCheckRequest(service=""), timeout=5)
        assert reply.status == health_pb2.HealthCheckResponse.SERVING
        for name in ["envoy.service.ext_proc.v3.ExternalProcessor", "envoy.service.auth.v3.Authorization"]:
            assert stub.Check(health_pb2.HealthCheckRequest(service=name), timeout=5).status == \
                health_pb2.HealthCheckResponse.SERVING
        with pytest.raises(grpc.RpcError) as err:
            stub.Check(health_pb2.HealthCheckRequest(service="no.such.Service"), timeout=5)
        assert err.value.code() == grpc.StatusCode.NOT_FOUND


@pytest.mark.parametrize("size", [0, 1, 16_385, 4 * 1024 * 1024])
def test_unary_echo_sizes(shared_gateway, size):
    payload = bytes((i * 7) % 251 for i in range(size))
    with channel(shared_gateway) as ch:
        assert unary(ch, "Unary")(payload, timeout=10) == payload


def test_bidi_answers_each_message_before_the_client_half_closes(shared_gateway):
    # The request iterator waits for each echo before sending the next message: a server that
    # answered in lock-step with END_STREAM (or buffered until it) would deadlock here.
    received = []
    got = threading.Event()

    def requests():
        for i in range(5):
            got.clear()
            yield f"msg-{i}".encode()
            assert got.wait(5), "server did not answer before the next message"

    with channel(shared_gateway) as ch:
        for reply in bidi(ch)(requests(), timeout=20):
            received.append(reply)
            got.set()
    assert received == [f"msg-{i}".encode() for i in range(5)]


def test_100_concurrent_bidi_streams_on_one_connection(shared_gateway):
    with channel(shared_gateway) as ch:
        call = bidi(ch)
        results = [None] * 100

        def run(n):
            msgs = [f"{n}-{k}".encode() * (n + 1) for k in range(10)]
            results[n] = list(call(iter(msgs), timeout=30)) == msgs

        threads = [threading.Thread(target=run, args=(n,)) for n in range(100)]
        for t in threads:
            t.start()
        for t in threads:
            t.join(60)
        assert all(results), f"failed streams: {[i for i, r in enumerate(results) if not r]}"


def test_unknown_method_is_unimplemented(shared_gateway):
    with channel(shared_gateway) as ch:
        with pytest.raises(grpc.RpcError) as err:
            ch.unary_unary("/no.such.Service/Nope")(b"x", timeout=5)
        assert err.value.code() == grpc.StatusCode.UNIMPLEMENTED


def test_oversized_message_is_resource_exhausted(shared_gateway):
    with channel(shared_gateway) as ch:
        with pytest.raises(grpc.RpcError) as err:
            unary(ch, "Unary")(b"x" * (16 * 1024 * 1024 + 1), timeout=20)
        assert err.value.code() == grpc.StatusCode.RESOURCE_EXHAUSTED
        # The connection and server survive.
        assert unary(ch, "Unary")(b"after", timeout=5) == b"after"


def test_compressed_message_is_unimplemented(shared_gateway):
    with channel(shared_gateway) as ch:
        with pytest.raises(grpc.RpcError) as err:
            unary(ch, "Unary")(b"y" * 1000, timeout=5, compression=grpc.Compression.Gzip)
        assert err.value.code() == grpc.StatusCode.UNIMPLEMENTED


def test_grpc_timeout_is_honoured(shared_gateway):
    with channel(shared_gateway) as ch:
        start = time.monotonic()
        with pytest.raises(grpc.RpcError) as err:
            unary(ch, "Hang")(b"", timeout=0.3)
        assert err.value.code() == grpc.StatusCode.DEADLINE_EXCEEDED
        assert time.monotonic() - start < 3


def test_slow_handler_does_not_stall_other_streams(shared_gateway):
    with channel(shared_gateway) as ch:
        slow = unary(ch, "SlowUnary").future(bytes([200]), timeout=10)  # answers after 2 s
        for _ in range(20):
            assert unary(ch, "Unary")(b"fast", timeout=5) == b"fast"
            # Each fast call completed while the slow one, on the same connection, is still pending.
            assert not slow.done(), "the slow call finished first: the fast ones waited behind it"
        assert slow.result() == bytes([200])


def test_client_cancellation_mid_stream(shared_gateway):
    with channel(shared_gateway) as ch:
        stop = threading.Event()

        def requests():
            yield b"first"
            stop.wait(5)

        call = bidi(ch)(requests(), timeout=10)
        assert next(call) == b"first"
        call.cancel()
        stop.set()
        with pytest.raises(grpc.RpcError) as err:
            next(call)
        assert err.value.code() == grpc.StatusCode.CANCELLED
        # Same connection still serves.
        assert unary(ch, "Unary")(b"alive", timeout=5) == b"alive"


# ---- raw HTTP/2 (the h2 library, independent of nghttp2) for frames grpcio will not send ----

def h2_call(port, path, frames_body, end=True, headers_extra=()):
    sock = socket.create_connection(("127.0.0.1", port), timeout=5)
    conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
    conn.initiate_connection()
    sid = conn.get_next_available_stream_id()
    conn.send_headers(sid, [(":method", "POST"), (":scheme", "http"), (":path", path), (":authority", "x"),
                            ("content-type", "application/grpc"), ("te", "trailers"), *headers_extra])
    conn.send_data(sid, frames_body, end_stream=end)
    sock.sendall(conn.data_to_send())
    headers, trailers, data = {}, {}, b""
    deadline = time.time() + 5
    done = False
    while not done and time.time() < deadline:
        chunk = sock.recv(65536)
        if not chunk:
            break
        for ev in conn.receive_data(chunk):
            if isinstance(ev, h2.events.ResponseReceived):
                headers = dict((k.decode(), v.decode()) for k, v in ev.headers)
            elif isinstance(ev, h2.events.TrailersReceived):
                trailers = dict((k.decode(), v.decode()) for k, v in ev.headers)
            elif isinstance(ev, h2.events.DataReceived):
                data += ev.data
                conn.acknowledge_received_data(ev.flow_controlled_length, sid)
            elif isinstance(ev, (h2.events.StreamEnded, h2.events.StreamReset)):
                done = True
        sock.sendall(conn.data_to_send())
    sock.close()
    # A Trailers-Only reply carries grpc-status in its single HEADERS frame.
    return headers, {**headers, **trailers}, data


def test_truncated_grpc_message_gets_a_status(shared_gateway):
    # The length prefix promises 100 bytes, 10 arrive, then END_STREAM.
    _, trailers, _ = h2_call(shared_gateway.grpc_port, ECHO + "Unary", b"\x00\x00\x00\x00\x64" + b"x" * 10)
    assert trailers.get("grpc-status") == "13", trailers
    assert "truncated" in trailers.get("grpc-message", "")


def test_invalid_message_flag_gets_a_status(shared_gateway):
    _, trailers, _ = h2_call(shared_gateway.grpc_port, ECHO + "Unary", b"\x07\x00\x00\x00\x01x")
    assert trailers.get("grpc-status") == "13", trailers


def test_wrong_content_type_is_415(shared_gateway):
    sock = socket.create_connection(("127.0.0.1", shared_gateway.grpc_port), timeout=5)
    conn = h2.connection.H2Connection(h2.config.H2Configuration(client_side=True))
    conn.initiate_connection()
    conn.send_headers(1, [(":method", "POST"), (":scheme", "http"), (":path", ECHO + "Unary"), (":authority", "x"),
                          ("content-type", "application/json")], end_stream=True)
    sock.sendall(conn.data_to_send())
    status = None
    deadline = time.time() + 5
    while status is None and time.time() < deadline:
        for ev in conn.receive_data(sock.recv(65536)):
            if isinstance(ev, h2.events.ResponseReceived):
                status = dict(ev.headers)[b":status"]
        sock.sendall(conn.data_to_send())
    sock.close()
    assert status == b"415"


# ---- abuse: bad peers are logged, dropped, and nobody else notices ----

def test_garbage_and_http1_are_rejected_and_logged(gateway):
    with socket.create_connection(("127.0.0.1", gateway.grpc_port), timeout=5) as s:
        s.sendall(b"\x16\x03\x01\x02\x00garbage-that-is-not-http2-at-all")
        # The server's SETTINGS preface may arrive first; then the server must close.
        received = b""
        while chunk := s.recv(1024):
            received += chunk
        assert len(received) < 100
    with socket.create_connection(("127.0.0.1", gateway.grpc_port), timeout=5) as s:
        s.sendall(b"GET / HTTP/1.1\r\nHost: x\r\n\r\n")
        reply = s.recv(4096)
        assert reply.startswith(b"HTTP/1.1 400"), reply
    with channel(gateway) as ch:
        assert unary(ch, "Unary")(b"still-serving", timeout=5) == b"still-serving"
    time.sleep(0.2)
    log = gateway.output()
    assert log.count("not an HTTP/2 connection preface") == 1, log
    assert log.count("HTTP/1.x request on the gRPC port") == 1, log


def test_truncated_frames_and_dropped_connections_leak_nothing(gateway):
    baseline = gateway.open_fds()
    preface = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n"
    for i in range(1000):
        s = socket.create_connection(("127.0.0.1", gateway.grpc_port), timeout=5)
        if i % 3 == 1:
            s.sendall(preface)
        elif i % 3 == 2:
            # SETTINGS header announcing 18 payload bytes, then only 4 of them.
            s.sendall(preface + b"\x00\x00\x12\x04\x00\x00\x00\x00\x00" + b"\x00\x03\x00\x00")
        s.close()
    with channel(gateway) as ch:
        assert unary(ch, "Unary")(b"ok", timeout=5) == b"ok"
    deadline = time.time() + 10
    while time.time() < deadline and gateway.open_fds() > baseline:
        time.sleep(0.1)
    assert gateway.open_fds() <= baseline, f"fds: {gateway.open_fds()} > {baseline}"


def test_sigterm_drains_and_exits_zero(gateway):
    with channel(gateway) as ch:
        slow = unary(ch, "SlowUnary").future(bytes([50]), timeout=10)  # 500 ms
        time.sleep(0.1)
        gateway.popen.send_signal(15)
        assert slow.result() == bytes([50]), "in-flight call must finish during the drain"
    assert gateway.popen.wait(10) == 0
    assert "shutting down" in gateway.output()
