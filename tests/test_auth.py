"""Authentication end to end: tokens minted by PyJWT, a TokenReview endpoint over HTTPS with a test CA (a
stand-in for the Kubernetes API server, which cannot run here), per-identity tool policy. Every test runs in
both placements, against the stock Envoy with the shipped configs: envoy/envoy.yaml (the token reviewed in
ext_proc's headers message) and envoy/envoy-ext-authz.yaml (Envoy's ext_authz filter before ext_proc)."""
import concurrent.futures
import json
import time
import urllib.request

import pytest

from auth_fixtures import AUDIENCE, ISSUER, Keys, TokenReviewServer, hmac_confusion_token, unsigned_token
from federation_stack import FederatedStack

SA_TOKEN = "k8s-sa-token-agents-calc"


@pytest.fixture(scope="module", params=["ext_proc", "ext_authz"])
def env(tmp_path_factory, request):
    d = tmp_path_factory.mktemp("auth-" + request.param)
    keys = Keys()
    (d / "jwks.json").write_text(json.dumps(keys.jwks()))
    (d / "reviewer-token").write_text("reviewer-secret-token\n")
    reviewer = TokenReviewServer(d, "reviewer-secret-token")
    reviewer.tokens[SA_TOKEN] = ("system:serviceaccount:agents:calc", ["system:serviceaccounts", "system:serviceaccounts:agents"],
                                 [AUDIENCE])
    overrides = {
        "auth": {
            "jwt": {"issuer": ISSUER, "audiences": [AUDIENCE], "jwksFile": str(d / "jwks.json"), "minRefreshSeconds": 0.2},
            "kubernetes": {"apiServer": reviewer.url, "caFile": str(reviewer.ca), "tokenFile": str(d / "reviewer-token"),
                           "audiences": [AUDIENCE], "timeoutSeconds": 1},
            "negativeCacheTTLSeconds": 0.2,
            "authorizationServers": [ISSUER], "scopes": ["mcp"],
        },
        "authorization": {"rules": [
            {"subjects": ["alice"], "servers": ["*"]},
            {"groups": ["calculus-users"], "servers": ["calculus"]},
            {"serviceAccounts": ["agents/*"], "tools": ["calculus_*", "physics_solve"], "deny": ["calculus_series"]},
        ]},
        # Low so test_event_streams_are_capped_per_session_and_identity stays small.
        "limits": {"maxBodyBytes": 262144, "maxStreamsPerSession": 2, "maxStreamsPerIdentity": 3},
        "audit": {"destination": str(d / "audit.log")},
    }
    alice = keys.token("alice")
    stack = FederatedStack(d, config_overrides=overrides, auth=True if request.param == "ext_proc" else "ext_authz",
                           default_headers={"authorization": f"Bearer {alice}"})
    stack.audit_path = d / "audit.log"
    yield stack, keys, reviewer, d
    stack.stop()
    reviewer.stop()


def bearer(token):
    return {"authorization": f"Bearer {token}"}


def tools_for(stack, token):
    s = stack.initialize(headers=bearer(token))
    status, _, body = stack.post({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}, {**stack.session_headers(s), **bearer(token)})
    assert status == 200, body
    return s, [t["name"] for t in body["result"]["tools"]]


def unauthenticated(stack, headers):
    req = urllib.request.Request(stack.url, data=b'{"jsonrpc":"2.0","id":1,"method":"ping"}', method="POST",
                                 headers={"content-type": "application/json", **headers})
    try:
        urllib.request.urlopen(req, timeout=10)
    except urllib.error.HTTPError as e:
        return e.code, dict(e.headers), e.read().decode()
    raise AssertionError("request was allowed")


def test_no_token_is_401_with_resource_metadata(env):
    stack, *_ = env
    status, headers, body = unauthenticated(stack, {})
    assert status == 401
    challenge = headers["www-authenticate"]
    assert challenge.startswith("Bearer resource_metadata=\"http://127.0.0.1:") and "/.well-known/oauth-protected-resource" in challenge
    assert json.loads(body)["error"]["message"].startswith("Unauthorized")
    url = challenge.split('resource_metadata="')[1].split('"')[0]
    with urllib.request.urlopen(url, timeout=5) as r:  # public: no token needed
        meta = json.loads(r.read())
    assert meta["resource"].endswith("/mcp") and meta["authorization_servers"] == [ISSUER] and meta["scopes_supported"] == ["mcp"]


@pytest.mark.parametrize("alg", ["RS256", "PS256", "ES256", "EdDSA"])
def test_valid_tokens_of_every_algorithm(env, alg):
    stack, keys, *_ = env
    _, names = tools_for(stack, keys.token("alice", alg=alg))
    assert "calculus_differentiate" in names and "physics_solve" in names


def bad_tokens(keys):
    now = int(time.time())
    return {
        "expired": keys.token(exp=now - 120),
        "not yet valid": keys.token(nbf=now + 600),
        "wrong audience": keys.token(aud="someone-else"),
        "wrong issuer": keys.token(iss="https://evil.example"),
        "bad signature": keys.token(key=keys.other_rsa),
        "alg none": unsigned_token(),
        "hmac with the public key": hmac_confusion_token(keys),
        "malformed": "not.a.jwt",
        "garbage": "x" * 40,
    }


@pytest.mark.parametrize("case", list(bad_tokens(Keys()).keys()))
def test_bad_tokens_are_401(env, case):
    stack, keys, *_ = env
    status, headers, body = unauthenticated(stack, bearer(bad_tokens(keys)[case]))
    assert status == 401, (case, body)
    assert 'error="invalid_token"' in headers["www-authenticate"]
    assert "Bearer" not in body  # the token never comes back


def test_unknown_kid_then_rotated_keys(env):
    stack, keys, _, d = env
    from cryptography.hazmat.primitives.asymmetric import ec
    new_key = ec.generate_private_key(ec.SECP256R1())
    token = keys.token("alice", alg="ES256", key=new_key, kid="ec-rotated")
    status, _, _ = unauthenticated(stack, bearer(token))
    assert status == 401
    (d / "jwks.json").write_text(json.dumps(keys.jwks(extra=[("ec-rotated", new_key, "ES256")])))
    time.sleep(0.5)  # past the negative cache and the refresh rate limit
    _, names = tools_for(stack, token)
    assert "physics_solve" in names


def test_tools_list_is_filtered_per_identity_and_calls_are_refused(env):
    stack, keys, *_ = env
    token = keys.token("carol", groups=["calculus-users"])
    s, names = tools_for(stack, token)
    assert names and all(n.startswith("calculus_") for n in names)
    h = {**stack.session_headers(s), **bearer(token)}
    status, _, body = stack.post({"jsonrpc": "2.0", "id": 3, "method": "tools/call",
                                  "params": {"name": "physics_solve", "arguments": {}}}, h)
    assert body["error"]["code"] == -32602 and "physics_solve" in body["error"]["message"] and "Forbidden" in body["error"]["message"]
    status, _, body = stack.post({"jsonrpc": "2.0", "id": 4, "method": "tools/call",
                                  "params": {"name": "calculus_simplify", "arguments": {"expression": "x+x"}}}, h)
    assert status == 200 and body["result"]["structuredContent"]["result"] == "2*x"
    # prompts and resources follow the server grant
    _, _, body = stack.post({"jsonrpc": "2.0", "id": 5, "method": "prompts/list"}, h)
    assert {p["name"].split("_")[0] for p in body["result"]["prompts"]} == {"calculus"}


def test_caller_without_any_grant_is_403(env):
    stack, keys, *_ = env
    status, _, body = unauthenticated(stack, bearer(keys.token("bob")))
    assert status == 403 and "Forbidden" in json.loads(body)["error"]["message"]


def test_spoofed_identity_headers_grant_nothing(env):
    stack, keys, *_ = env
    alice_session = stack.initialize()  # default headers carry alice's token
    carol = keys.token("carol", groups=["calculus-users"])
    spoof = {"x-mcp-identity-digest": "anything", "x-mcp-server": "physics", "x-mcp-route": "gateway-stream",
             "x-mcp-identity": "alice", **bearer(carol)}
    s, names = tools_for(stack, carol)
    _, _, body = stack.post({"jsonrpc": "2.0", "id": 6, "method": "tools/call",
                             "params": {"name": "physics_solve", "arguments": {}}}, {**stack.session_headers(s), **spoof})
    assert "Forbidden" in body["error"]["message"]
    # alice's session presented by carol: as if it did not exist
    status, _, _ = stack.post({"jsonrpc": "2.0", "id": 7, "method": "tools/list"}, {**stack.session_headers(alice_session), **spoof})
    assert status == 404


def test_kubernetes_token_review(env):
    stack, keys, reviewer, _ = env
    before = len(reviewer.requests)
    s, names = tools_for(stack, SA_TOKEN)
    assert "calculus_differentiate" in names and "physics_solve" in names
    assert "calculus_series" not in names and "physics_kinetic_energy" not in names
    sent = reviewer.requests[before]
    assert sent["path"] == "/apis/authentication.k8s.io/v1/tokenreviews"
    assert sent["authorization"] == "Bearer reviewer-secret-token"
    assert sent["body"]["apiVersion"] == "authentication.k8s.io/v1" and sent["body"]["kind"] == "TokenReview"
    assert sent["body"]["spec"] == {"token": SA_TOKEN, "audiences": [AUDIENCE]}
    status, _, _ = unauthenticated(stack, bearer("k8s-token-nobody-knows"))
    assert status == 401


def test_one_review_for_1000_concurrent_requests(env):
    stack, keys, reviewer, _ = env
    token = "k8s-sa-token-burst"
    reviewer.tokens[token] = ("system:serviceaccount:agents:burst", [], [AUDIENCE])
    reviewer.delay = 0.3
    before = len([r for r in reviewer.requests if r["body"]["spec"]["token"] == token])
    s = None

    def one(_):
        req = urllib.request.Request(stack.url, data=b'{"jsonrpc":"2.0","id":1,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"t","version":"1"}}}',
                                     method="POST", headers={"content-type": "application/json", **bearer(token)})
        with urllib.request.urlopen(req, timeout=20) as r:
            return r.status

    try:
        with concurrent.futures.ThreadPoolExecutor(64) as pool:
            statuses = list(pool.map(one, range(1000)))
    finally:
        reviewer.delay = 0
    assert statuses.count(200) == 1000
    reviews = len([r for r in reviewer.requests if r["body"]["spec"]["token"] == token]) - before
    assert reviews == 1, reviews


def test_reviewer_down_or_slow_is_503_never_allow(env):
    stack, keys, reviewer, _ = env
    reviewer.tokens["k8s-token-while-failing"] = ("system:serviceaccount:agents:x", [], [AUDIENCE])
    reviewer.fail = True
    try:
        status, headers, _ = unauthenticated(stack, bearer("k8s-token-while-failing"))
        assert status == 503 and headers["retry-after"] == "5"
    finally:
        reviewer.fail = False
    reviewer.tokens["k8s-token-slow"] = ("system:serviceaccount:agents:y", [], [AUDIENCE])
    reviewer.delay = 2.0  # beyond the configured 1 s review timeout
    try:
        status, headers, _ = unauthenticated(stack, bearer("k8s-token-slow"))
        assert status == 503
    finally:
        reviewer.delay = 0
    # not cached as a failure: once the reviewer answers, the same token works
    s, names = tools_for(stack, "k8s-token-while-failing")
    assert "physics_solve" in names


def test_client_token_is_not_forwarded_to_servers(env):
    stack, keys, *_ = env
    token = keys.token("alice")
    s = stack.initialize(headers=bearer(token))
    status, _, body = stack.post({"jsonrpc": "2.0", "id": 8, "method": "tools/call",
                                  "params": {"name": "physics_kinetic_energy", "arguments": {"mass": 1, "velocity": 2}}},
                                 {**stack.session_headers(s), **bearer(token)})
    assert status == 200 and "result" in body
    with urllib.request.urlopen(f"{stack.physics.base}/admin/last-request-headers", timeout=5) as r:
        seen = json.loads(r.read())
    assert seen["content-type"] == "application/json"
    assert "authorization" not in seen, "the client's token reached the MCP server"
    assert token not in json.dumps(seen)
    assert "calculus" not in seen.get("mcp-session-id", "") and seen.get("mcp-session-id") != s
    assert stack.gateway.output().count(token[:40]) == 0  # and never in the gateway's logs


def test_forwarded_calls_are_audited_under_the_callers_identity(env):
    """The audit line of a forwarded call (written when Envoy's access log reports its end) names the caller
    established at the door, in either placement: ext_authz's metadata, or the namespace ext_proc writes when
    it reviewed the token itself. A service account's line also names the account."""
    stack, keys, *_ = env
    read = lambda: [json.loads(l) for l in stack.audit_path.read_text().splitlines()] if stack.audit_path.exists() else []
    time.sleep(0.5)  # earlier tests' calls reach the audit with Envoy's access log flush (0.2 s)
    n0 = len(read())
    for token in (keys.token("alice"), SA_TOKEN):
        s = stack.initialize(headers=bearer(token))
        status, _, body = stack.post({"jsonrpc": "2.0", "id": 9, "method": "tools/call",
                                      "params": {"name": "physics_solve", "arguments": {"find": "final_velocity", "initial_velocity": 0, "acceleration": 2, "time": 3}}},
                                     {**stack.session_headers(s), **bearer(token)})
        assert status == 200 and "result" in body, body
    deadline = time.time() + 5
    while len(read()) < n0 + 2 and time.time() < deadline:
        time.sleep(0.05)
    # Envoy's workers flush their access logs independently: the two lines may come in either order.
    lines = sorted((l for l in read()[n0:] if l["tool"] == "physics_solve"), key=lambda l: l["caller"])
    assert [l["caller"] for l in lines] == ["alice", "system:serviceaccount:agents:calc"], lines
    assert all(l["outcome"] == "ok" and l["server"] == "physics" for l in lines), lines
    assert lines[1]["service_account"] == "agents/calc" and "service_account" not in lines[0]


def raw_exchange(sock, request: bytes):
    """One HTTP/1.1 request on an open keep-alive socket: (status line, header lines, body bytes)."""
    sock.sendall(request)
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = sock.recv(65536)
        assert chunk, f"connection closed mid-head: {data!r}"
        data += chunk
    head, rest = data.split(b"\r\n\r\n", 1)
    lines = head.split(b"\r\n")
    length = next(int(l.split(b":", 1)[1]) for l in lines[1:] if l.lower().startswith(b"content-length:"))
    while len(rest) < length:
        chunk = sock.recv(65536)
        assert chunk, "connection closed mid-body"
        rest += chunk
    assert len(rest) == length, f"bytes beyond the declared body: {rest[length:]!r}"
    return lines[0], lines[1:], rest


def crafted_token(header: dict) -> str:
    from auth_fixtures import b64
    payload = {"iss": ISSUER, "aud": AUDIENCE, "sub": "mallory", "exp": int(time.time()) + 600}
    return f"{b64(json.dumps(header).encode())}.{b64(json.dumps(payload).encode())}.{b64(b'not-a-signature')}"


INJECTION = "x\r\nX-Injected: yes\r\nSet-Cookie: pwn=1"


@pytest.mark.parametrize("field", ["alg", "kid"])
def test_crlf_in_token_header_cannot_split_the_401(env, field):
    """A JWT header whose alg or kid carries CR/LF must not inject headers into the 401 (response splitting):
    over one raw keep-alive connection, each request gets exactly one well-formed 401 with visible-ASCII headers."""
    import socket
    stack, *_ = env
    header = {"alg": INJECTION, "kid": "rsa-1"} if field == "alg" else {"alg": "RS256", "kid": INJECTION}
    token = crafted_token(header)
    body = b'{"jsonrpc":"2.0","id":1,"method":"ping"}'
    request = (f"POST /mcp HTTP/1.1\r\nHost: 127.0.0.1:{stack.listen}\r\ncontent-type: application/json\r\n"
               f"authorization: Bearer {token}\r\ncontent-length: {len(body)}\r\n\r\n").encode() + body
    with socket.create_connection(("127.0.0.1", stack.listen), timeout=10) as sock:
        for _ in range(2):  # the second answer on the same connection proves the stream did not desync
            status, lines, reply = raw_exchange(sock, request)
            assert status.startswith(b"HTTP/1.1 401 "), (status, lines)
            names = [l.split(b":", 1)[0].strip().lower() for l in lines]
            assert b"x-injected" not in names and b"set-cookie" not in names, lines
            assert names.count(b"www-authenticate") == 1, lines
            for line in lines:
                assert all(0x20 <= c <= 0x7E or c == 0x09 for c in line), line
            challenge = next(l for l in lines if l.lower().startswith(b"www-authenticate:")).decode()
            assert 'error="invalid_token"' in challenge and "\r" not in challenge and "\n" not in challenge
            assert json.loads(reply)["error"]["message"].startswith("Unauthorized")


def test_host_header_never_names_the_resource(env):
    """The 401's resource_metadata and the metadata document's resource come from auth.resource, not from the
    request's Host: a client sending Host: evil.example must not be pointed at evil.example."""
    stack, *_ = env
    origin = f"http://127.0.0.1:{stack.listen}"
    status, headers, _ = unauthenticated(stack, {"host": "evil.example"})
    assert status == 401
    challenge = headers["www-authenticate"]
    assert "evil.example" not in challenge
    assert f'resource_metadata="{origin}/.well-known/oauth-protected-resource"' in challenge
    for url in (f"{origin}/.well-known/oauth-protected-resource",  # through Envoy
                f"http://127.0.0.1:{stack.admin_port}/.well-known/oauth-protected-resource"):  # the gateway's own port
        req = urllib.request.Request(url, headers={"host": "evil.example"})
        with urllib.request.urlopen(req, timeout=5) as r:
            text = r.read().decode()
        assert "evil.example" not in text, (url, text)
        assert json.loads(text)["resource"] == stack.url


def open_event_stream(stack, session, token):
    """A handshake-era GET /mcp stream through Envoy; returns (status, JSON body if refused, connection)."""
    import http.client
    conn = http.client.HTTPConnection("127.0.0.1", stack.listen, timeout=10)
    conn.request("GET", "/mcp", headers={"accept": "text/event-stream", "mcp-session-id": session,
                                         "mcp-protocol-version": "2025-11-25", **bearer(token)})
    r = conn.getresponse()
    if r.status != 200:
        body = json.loads(r.read().decode())
        conn.close()
        return r.status, body, None
    return r.status, None, conn


def test_event_streams_are_capped_per_session_and_identity(env):
    """Regression (security review): ~1,100 GET streams of one session starved every other caller's streams
    and the public metadata route (one shared cluster, Envoy's default circuit breaker of 1024). The cap is
    now the gateway's, per session (here 2) and per identity (here 3), answered 429 with a JSON-RPC error;
    other callers still open streams and the metadata document has a cluster of its own."""
    stack, keys, *_ = env
    alice, bob = keys.token("alice"), keys.token("bob-streams", groups=["calculus-users"])
    s1, s2 = stack.initialize(headers=bearer(alice)), stack.initialize(headers=bearer(alice))
    held = []
    try:
        for _ in range(2):
            status, _, conn = open_event_stream(stack, s1, alice)
            assert status == 200
            held.append(conn)
        status, body, _ = open_event_stream(stack, s1, alice)
        assert status == 429 and body["error"]["code"] == -32000, body
        assert "limits.maxStreamsPerSession" in body["error"]["message"]
        status, _, conn = open_event_stream(stack, s2, alice)  # another session of alice: within her identity's 3
        assert status == 200
        held.append(conn)
        status, body, _ = open_event_stream(stack, s2, alice)
        assert status == 429 and "limits.maxStreamsPerIdentity" in body["error"]["message"], body
        # Another identity is unaffected, and so is the public metadata document.
        s3 = stack.initialize(headers=bearer(bob))
        status, _, conn = open_event_stream(stack, s3, bob)
        assert status == 200
        held.append(conn)
        with urllib.request.urlopen(f"http://127.0.0.1:{stack.listen}/.well-known/oauth-protected-resource", timeout=5) as r:
            assert r.status == 200 and json.loads(r.read())["resource"] == stack.url
    finally:
        for conn in held:
            conn.close()
    # Closed streams give their slots back.
    deadline = time.time() + 5
    while True:
        status, _, conn = open_event_stream(stack, s1, alice)
        if status == 200 or time.time() > deadline:
            break
        time.sleep(0.1)
    assert status == 200
    conn.close()


def test_metadata_route_has_its_own_cluster_and_stream_breakers_are_raised():
    """Read as text (no PyYAML in the venv)."""
    import re
    from harness import ROOT
    text = (ROOT / "envoy" / "envoy.yaml").read_text()
    m = re.search(r'match: \{ path: "/.well-known/oauth-protected-resource" \}\s*\n\s*route: \{ cluster: (\w+)', text)
    assert m and m.group(1) == "mcp_gateway_metadata"
    assert "- name: mcp_gateway_metadata" in text
    for name in ("envoy.yaml", "envoy-ext-authz.yaml", "envoy-noauth.yaml"):
        text = (ROOT / "envoy" / name).read_text()
        block = text.split("- name: mcp_gateway_streams", 1)[1].split("\n  - name:", 1)[0]
        for key in ("max_connections", "max_requests", "max_pending_requests"):
            m = re.search(rf"{key}: (\d+)", block)
            assert m and int(m.group(1)) >= 100000, (name, key)


def test_a_virtual_server_narrows_each_callers_policy(env):
    """Issue 14: a virtual server's selection and its own rules sit on top of the global policy, per
    identity, through Envoy with ext_authz in front (JWT and TokenReview callers)."""
    stack, keys, _, _ = env
    stack.reconfigure(lambda cfg: cfg.update(virtualServers=[{
        "name": "solvers", "tools": ["*_solve", "calculus_series"],
        "authorization": {"rules": [{"subjects": ["alice"], "tools": ["*"]}, {"serviceAccounts": ["agents/*"], "tools": ["*"]}]}}]))
    url = stack.url + "/solvers"

    def listed(headers):
        def post(body, session=None):
            h = {"content-type": "application/json", "accept": "application/json, text/event-stream", **headers}
            if session:
                h.update(stack.session_headers(session))
            req = urllib.request.Request(url, data=json.dumps(body).encode(), headers=h, method="POST")
            with urllib.request.urlopen(req, timeout=10) as r:
                return dict(r.headers), json.loads(r.read())
        hdrs, _ = post({"jsonrpc": "2.0", "id": 1, "method": "initialize", "params": {
            "protocolVersion": "2025-11-25", "capabilities": {}, "clientInfo": {"name": "t", "version": "1"}}})
        session = hdrs["mcp-session-id"]
        _, body = post({"jsonrpc": "2.0", "id": 2, "method": "tools/list"}, session)
        names = sorted(t["name"] for t in body["result"]["tools"])
        _, call = post({"jsonrpc": "2.0", "id": 3, "method": "tools/call",
                        "params": {"name": "calculus_integrate", "arguments": {"expression": "x"}}}, session)
        return names, call

    # alice: every server globally; here the selection.
    names, call = listed(bearer(keys.token("alice")))
    assert names == ["calculus_series", "calculus_solve", "physics_solve"], names
    assert "error" in call  # granted on /mcp, outside this endpoint's subset
    # The service account: calculus_* and physics_solve minus calculus_series globally -> without series here.
    names, _ = listed(bearer(SA_TOKEN))
    assert names == ["calculus_solve", "physics_solve"], names
    # carol's group grants calculus on /mcp, but the endpoint's own rules do not name her: nothing here.
    names, _ = listed(bearer(keys.token("carol", groups=["calculus-users"])))
    assert names == [], names
    stack.reconfigure(lambda cfg: cfg.pop("virtualServers"))
