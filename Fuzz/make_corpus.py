#!/usr/bin/env python3
"""Writes the seed corpora under Fuzz/corpus/<target>/ and the JWT target's key set
(Fuzz/Targets/FuzzJWTKeys.swift). Deterministic except the JWT keys and tokens, which are
minted afresh (run with the project venv: .venv/bin/python Fuzz/make_corpus.py).

Seeds are small valid inputs (plus a few near-misses); libFuzzer mutates from there. Each
target's input layout (a leading mode/seed byte for some) is described in its harness.
"""
import base64
import json
import shutil
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT / "Fuzz" / "corpus"


def write(target, name, data):
    d = CORPUS / target
    d.mkdir(parents=True, exist_ok=True)
    (d / name).write_bytes(data if isinstance(data, bytes) else data.encode())


def reset(target):
    shutil.rmtree(CORPUS / target, ignore_errors=True)


# --- proto: the golden vectors of the message types the harness decodes ------------------------
def proto():
    reset("proto")
    golden = json.loads((ROOT / "Tests/ProtoWireTests/Golden/golden.json").read_text())
    wanted = ("ProcessingRequest", "ProcessingResponse", "CheckRequest", "CheckResponse", "HealthCheckRequest")
    for case in golden["cases"]:
        if case["type"].rsplit(".", 1)[-1] in wanted and case["hex"]:
            write("proto", case["name"], bytes.fromhex(case["hex"]))


# --- json ------------------------------------------------------------------------------------
JSON_SEEDS = {
    "tools_call": '{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"calculus_add","arguments":{"a":1,"b":[2.5e3,-0,"x\\"y"]}}}',
    "batch": '[{"jsonrpc":"2.0","id":"a","method":"ping"},{"jsonrpc":"2.0","id":null,"result":{}}]',
    "escapes": '{"s":"\\u00e9\\ud83d\\ude00\\n\\t\\\\\\/","k\\u0065y":[true,false,null],"":{}}',
    "utf8": '"0123456789abcdef0123456789abcdef\\u0041é日本🎉0123456789abcdef"',
    "numbers": '[0,-0,1.5,-1.25e-7,1E400,123456789012345678901234567890,0.0e+0]',
    "duplicates": '{"name":"a","name":"b","x":{"name":"c"},"name":"d"}',
    "whitespace": ' \t\n\r{ "a" : [ 1 , { } , [ ] ] }\n ',
    "deep": "[" * 100 + "]" * 100,
    "scalars_true": "true",
    "scalar_string": '"x"',
    "lone_surrogate": '["\\ud800","\\udc00x","\\ud83d\\u0041"]',
    "tools_list_result": '{"jsonrpc":"2.0","id":2,"result":{"tools":[{"name":"add","inputSchema":{"type":"object","properties":{"a":{"type":"number"}}}}],"nextCursor":"t:500"}}',
}


def json_target():
    reset("json")
    for name, text in JSON_SEEDS.items():
        write("json", name, text)


# --- jsonrpc (router): byte 0 = mode (see FuzzJSONRPC.swift) ----------------------------------
MODERN_META = '"_meta":{"io.modelcontextprotocol/protocolVersion":"2026-07-28","io.modelcontextprotocol/clientCapabilities":{}}'


def jsonrpc():
    reset("jsonrpc")
    bodies = {
        "call": '{"jsonrpc":"2.0","id":7,"method":"tools/call","params":{"name":"calc_add","arguments":{"a":1,"b":2}}}',
        "call_escaped": '{"jsonrpc":"2.0","id":"q","method":"tools/call","params":{"arguments":{},"name":"calc_we\\"ird\\\\na\\/me\\u2028"}}',
        "call_dup_name": '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"calc_secret_admin","name":"calc_add"},"params":{"name":"p.velocity"}}',
        "call_unicode": '{"jsonrpc":"2.0","id":1.50,"method":"tools/call","params":{"name":"calc_\\u00fcn\\u00efcode"}}',
        # Regression: "\u212A" (KELVIN SIGN) matched the tool "calc_Kelvin" (canonical equivalence).
        "call_kelvin_sign": '{"jsonrpc":"2.0","id":1,"method":"tools/call","params":{"name":"calc_\\u212Aelvin"}}',
        "call_unknown": '{"jsonrpc":"2.0","id":3,"method":"tools/call","params":{"name":"dead_ghost"}}',
        "prompt": '{"jsonrpc":"2.0","id":4,"method":"prompts/get","params":{"name":"p.explain","arguments":{}}}',
        "resource": '{"jsonrpc":"2.0","id":5,"method":"resources/read","params":{"uri":"calc+file:///notes.txt"}}',
        "complete_prompt": '{"jsonrpc":"2.0","id":6,"method":"completion/complete","params":{"ref":{"type":"ref/prompt","name":"calc_explain"},"argument":{"name":"x","value":"1"}}}',
        "complete_uri": '{"jsonrpc":"2.0","id":6,"method":"completion/complete","params":{"ref":{"type":"ref/resource","uri":"phys+mem://constants"}}}',
        "initialize": '{"jsonrpc":"2.0","id":0,"method":"initialize","params":{"protocolVersion":"2025-11-25","capabilities":{},"clientInfo":{"name":"c","version":"1"}}}',
        "list": '{"jsonrpc":"2.0","id":8,"method":"tools/list","params":{"cursor":"%s"}}' % b64(b"t:3"),
        "list_plain_cursor": '{"jsonrpc":"2.0","id":8,"method":"resources/list","params":{"cursor":"!r:1"}}',
        "list_prompts_page": '{"jsonrpc":"2.0","id":8,"method":"prompts/list","params":{"cursor":"%s"}}' % b64(b"p:1"),
        # Regression: a cursor near Int.max overflowed offset + pageSize (ListPagination).
        "list_huge_cursor": '{"jsonrpc":"2.0","id":8,"method":"tools/list","params":{"cursor":"%s"}}' % b64(b"t:9223372036854775806"),
        "list_prompts": '{"jsonrpc":"2.0","id":9,"method":"prompts/list"}',
        "ping": '{"jsonrpc":"2.0","id":"p","method":"ping"}',
        "notification": '{"jsonrpc":"2.0","method":"notifications/initialized"}',
        "response": '{"jsonrpc":"2.0","id":11,"result":{}}',
        "discover": '{"jsonrpc":"2.0","id":12,"method":"server/discover","params":{%s}}' % MODERN_META,
        "listen": '{"jsonrpc":"2.0","id":13,"method":"subscriptions/listen","params":{%s}}' % MODERN_META,
        "modern_call": '{"jsonrpc":"2.0","id":14,"method":"tools/call","params":{%s,"name":"calc_divide","arguments":{"a":1}}}' % MODERN_META,
    }
    for name, body in bodies.items():
        for mode in (0, 2, 4 | 0, 1):
            write("jsonrpc", f"{name}_m{mode}", bytes([mode]) + body.encode())
    headers = "2026-07-28\t\ttools/call\t=?base64?Y2FsY19hZGQ=?=\n"
    write("jsonrpc", "headers_modern", b"\x03" + headers.encode() + bodies["call"].encode())
    write("jsonrpc", "headers_session", b"\x03" + b"2025-11-25\tg1.AAAA.BBBB\t\t\n" + bodies["call"].encode())


# --- config ------------------------------------------------------------------------------------
def config():
    reset("config")
    write("config", "gateway.json", (ROOT / "examples/gateway.json").read_bytes())
    write("config", "gateway-auth.json", (ROOT / "examples/gateway-auth.json").read_bytes())
    full = {
        "serverName": "g", "mcpPath": "/mcp",
        "servers": [
            {"name": "calculus", "prefix": "calc.", "url": "https://calc.example:8443/base/mcp?x=1", "cluster": "calculus",
             "timeoutSeconds": 2.5, "forwardAuthorization": True,
             "tools": {"allow": ["a*", "?olve"], "deny": ["admin_*"]},
             "credentials": {"header": "Authorization", "scheme": "Bearer", "valueFromFile": "/secret/token"}},
            {"name": "physics", "url": "http://127.0.0.1:9102/mcp",
             "credentials": {"header": "x-api-key", "valueFromEnv": "PHYSICS_TOKEN"}},
        ],
        "session": {"secretEnv": "SESSION_SECRET", "ttlSeconds": 3600},
        "catalog": {"refreshSeconds": 30, "failureThreshold": 3, "pageSize": 2},
        "limits": {"maxBodyBytes": 65536},
        "auth": {
            "kubernetes": {"apiServer": "https://kubernetes.default.svc", "caFile": "/ca.crt", "tokenFile": "/token",
                           "audiences": ["mcp-gateway"], "timeoutSeconds": 2},
            "jwt": {"issuer": "https://issuer.example", "audiences": ["mcp-gateway", "other"], "jwksURL": "https://issuer.example/jwks.json",
                    "leewaySeconds": 30, "groupsClaim": "roles", "minRefreshSeconds": 10},
            "cacheTTLSeconds": 300, "negativeCacheTTLSeconds": 5, "resource": "https://gw.example/mcp",
            "metadataURL": "https://gw.example/.well-known/oauth-protected-resource",
            "authorizationServers": ["https://issuer.example"], "scopes": ["mcp"]},
        "authorization": {"rules": [
            {"subjects": ["alice"], "servers": ["*"]},
            {"groups": ["calculus-users"], "servers": ["calculus"]},
            {"serviceAccounts": ["agents/*"], "tools": ["calc.*", "physics_solve"], "deny": ["calc.admin_remove"]}]},
        "rateLimits": [
            {"calls": 2, "perSeconds": 1, "key": "identity_tool", "servers": ["calculus"], "tools": ["calc.a*"]},
            {"calls": 1, "perSeconds": 60},
            {"calls": 100, "perSeconds": 0.5, "key": "identity_server"}],
        "audit": {"destination": "stdout", "includeArgumentNames": True},
    }
    write("config", "full.json", json.dumps(full, indent=1))
    write("config", "minimal.json", '{"servers":[]}')
    # Regressions: 1 call per ~infinite period made the rate limiter's Retry-After overflow Int;
    # pageSize Int.max overflowed start + pageSize on a cursor.
    write("config", "ratelimit_huge_period.json", json.dumps({"servers": [{"name": "a", "url": "http://a/mcp"}],
        "rateLimits": [{"calls": 1, "perSeconds": 1e300}]}).replace("1e+300", "1e400"))
    write("config", "pagesize_max.json", '{"servers":[{"name":"a","url":"http://a/mcp"}],"catalog":{"pageSize":9223372036854775807}}')
    write("config", "in_cluster.json", json.dumps({"servers": [{"name": "a", "url": "http://a/mcp"}],
                                                   "auth": {"kubernetes": {"audiences": ["x"]}, "resource": "https://gw.example/mcp"}}))
    write("config", "bad_duplicate.json", json.dumps({"servers": [{"name": "a", "url": "http://a"}, {"name": "b", "prefix": "a_", "url": "http://b"}]}))


# --- sse: byte 0 seeds the chunking ------------------------------------------------------------
def sse():
    reset("sse")
    streams = {
        "message": b'event: message\ndata: {"jsonrpc":"2.0","id":1,"result":{}}\n\n',
        "multi": b"id: 1\nevent: a\ndata: x\ndata: y\nretry: 3000\n\n: comment\n\ndata:z\r\n\r\nid\nretry: x\ndata\n\n",
        "crlf_bom": b"\xef\xbb\xbfdata: one\r\rdata: two\r\n\r\nid: \x00bad\ndata: 3\n\n",
        "unterminated": b"data: partial\ndata: more",
        "long": b"data: " + b"a" * 600 + b"\n\n",
        "list_changed": b'event: message\nid: 7\ndata: {"jsonrpc":"2.0","method":"notifications/tools/list_changed"}\n\n',
    }
    for name, body in streams.items():
        for seed in (0, 1, 7):
            write("sse", f"{name}_{seed}", bytes([seed]) + body)


# --- http-response: byte 0 bit 0 = HEAD request, the rest seeds the chunking ------------------
def http_response():
    reset("http-response")
    responses = {
        "length": b"HTTP/1.1 200 OK\r\ncontent-type: application/json\r\ncontent-length: 14\r\n\r\n{\"result\":{}}\n",
        "chunked": b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\nX-A: 1\r\n folded\r\n\r\n5;ext=1\r\nhello\r\n0\r\nTrailer: x\r\n\r\n",
        "interim": b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 204 No Content\r\nConnection: keep-alive\r\n\r\n",
        "close": b"HTTP/1.0 200 OK\r\nContent-Type: text/event-stream\r\n\r\ndata: x\n\n",
        "sse_chunked": b"HTTP/1.1 200 OK\r\ncontent-type: text/event-stream\r\ntransfer-encoding: gzip, chunked\r\n\r\nd\r\ndata: hello\n\n\r\n0\r\n\r\n",
        "lf_only": b"\r\nHTTP/1.1 404 Not Found\ncontent-length: 2\nconnection: close\n\nno",
        "smuggle": b"HTTP/1.1 200 OK\r\nContent-Length: 3\r\nContent-Length: 3, 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
        "not_modified": b"HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n",
    }
    for name, body in responses.items():
        for mode in (0, 1, 6):
            write("http-response", f"{name}_{mode}", bytes([mode]) + body)


# --- admin-http: byte 0 seeds the chunking ------------------------------------------------------
def admin_http():
    reset("admin-http")
    requests = {
        "healthz": b"GET /healthz HTTP/1.1\r\nHost: localhost:9090\r\nUser-Agent: kube-probe/1.30\r\n\r\n",
        "metrics_query": b"GET /metrics?x=1 HTTP/1.0\r\nAccept: text/plain\r\n\r\n",
        "post_body": b"POST /mcp HTTP/1.1\r\nHost: x\r\nContent-Type: application/json\r\nContent-Length: 16\r\n\r\n{\"jsonrpc\":\"2.0\"}",
        "pipelined": b"GET /readyz HTTP/1.1\r\n\r\nGET /healthz HTTP/1.1\r\nConnection: close\r\n\r\n",
        "options_star": b"OPTIONS * HTTP/1.1\r\nX:  spaced \t\r\n\r\n",
        "chunked": b"POST /mcp HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n5;x=y\r\nhello\r\n1\r\n!\r\n0\r\nX-Trailer: 1\r\n\r\nGET / HTTP/1.1\r\n\r\n",
        # Regressions: chunk size near Int.max after a first chunk; a head ending at the size limit.
        "chunk_size_max": b"POST / HTTP/1.1\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n7fffffffffffffff\r\n",
        "head_at_limit": b"GET / HTTP/1.1\r\nX: " + b"a" * (512 - 19) + b"\r\n\r\n",
        "transfer_gzip": b"POST / HTTP/1.1\r\nTransfer-Encoding: gzip\r\n\r\n",
        "event_stream": b"GET /mcp HTTP/1.1\r\nAccept: text/event-stream\r\nMcp-Session-Id: g1.abc.def\r\n\r\n",
    }
    for name, body in requests.items():
        for seed in (0, 3):
            write("admin-http", f"{name}_{seed}", bytes([seed]) + body)


# --- jwt / jwks: keys made here, tokens signed with PyJWT ---------------------------------------
ISSUER, AUDIENCE, NOW = "https://issuer.example", "mcp-gateway", 1_800_000_000


def b64(data):
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def jwt_targets():
    import jwt
    from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa

    reset("jwt")
    reset("jwks")
    rsa_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    ec_key = ec.generate_private_key(ec.SECP256R1())
    ed_key = ed25519.Ed25519PrivateKey.generate()

    def jwk_of(alg_cls, key, **extra):
        d = json.loads(alg_cls.to_jwk(key.public_key()))
        d.update(extra)
        return d

    keys = [
        jwk_of(jwt.algorithms.RSAAlgorithm, rsa_key, kid="rsa-1", use="sig"),
        jwk_of(jwt.algorithms.ECAlgorithm, ec_key, kid="ec-1", use="sig", alg="ES256"),
        jwk_of(jwt.algorithms.OKPAlgorithm, ed_key, kid="ed-1"),
    ]
    jwks = {"keys": keys}
    jwks_text = json.dumps(jwks, separators=(",", ":"))

    # The harness's fixed key set.
    swift = ROOT / "Fuzz" / "Targets" / "FuzzJWTKeys.swift"
    swift.write_text(
        "// Generated by Fuzz/make_corpus.py with Fuzz/corpus/jwt: the public keys the seed tokens are signed\n"
        "// with (RSA 2048 for RS256/PS256, P-256 for ES256, Ed25519 for EdDSA). Private keys are not kept.\n"
        f"let fuzzJWKS = #\"{jwks_text}\"#\n"
        f"let fuzzJWTIssuer = \"{ISSUER}\"\nlet fuzzJWTAudience = \"{AUDIENCE}\"\nlet fuzzJWTNow: Double = {NOW}\n")

    base = {"iss": ISSUER, "aud": AUDIENCE, "sub": "alice", "iat": NOW - 60, "nbf": NOW - 60, "exp": NOW + 3600}
    tokens = {
        "rs256": jwt.encode(base, rsa_key, algorithm="RS256", headers={"kid": "rsa-1"}),
        "ps256": jwt.encode({**base, "groups": ["calculus-users", "x"]}, rsa_key, algorithm="PS256", headers={"kid": "rsa-1"}),
        "es256": jwt.encode({**base, "aud": [AUDIENCE, "other"]}, ec_key, algorithm="ES256", headers={"kid": "ec-1"}),
        "eddsa": jwt.encode(base, ed_key, algorithm="EdDSA", headers={"kid": "ed-1"}),
        "es256_nokid": jwt.encode(base, ec_key, algorithm="ES256"),
        "k8s": jwt.encode({**base, "sub": "system:serviceaccount:agents:bot",
                           "kubernetes.io": {"namespace": "agents", "serviceaccount": {"name": "bot", "uid": "1"}}},
                          rsa_key, algorithm="RS256", headers={"kid": "rsa-1"}),
        "expired": jwt.encode({**base, "exp": NOW - 3600}, ec_key, algorithm="ES256", headers={"kid": "ec-1"}),
        "wrong_aud": jwt.encode({**base, "aud": "someone-else"}, ed_key, algorithm="EdDSA", headers={"kid": "ed-1"}),
        "unknown_kid": jwt.encode(base, ec_key, algorithm="ES256", headers={"kid": "nope"}),
        "crit": jwt.encode(base, ec_key, algorithm="ES256", headers={"kid": "ec-1", "crit": ["exp"]}),
    }
    header_none = b64(json.dumps({"alg": "none", "typ": "JWT"}).encode())
    tokens["alg_none"] = header_none + "." + b64(json.dumps(base).encode()) + "."
    header_hs = b64(json.dumps({"alg": "HS256", "kid": "rsa-1"}).encode())
    tokens["alg_hs256"] = header_hs + "." + b64(json.dumps(base).encode()) + "." + b64(b"\x00" * 32)
    for name, token in tokens.items():
        write("jwt", name, token)
    # One valid token per algorithm, for the jwks target (verified against fuzzed key sets).
    with swift.open("a") as f:
        f.write("let fuzzJWTTokens: [String] = [\n")
        for name in ("rs256", "ps256", "es256", "eddsa", "es256_nokid"):
            f.write(f'    "{tokens[name]}",\n')
        f.write("]\n")

    write("jwks", "keys", jwks_text)
    write("jwks", "keys_pretty", json.dumps(jwks, indent=2))
    write("jwks", "mixed", json.dumps({"keys": [
        {"kty": "oct", "k": b64(b"secret"), "kid": "h"},
        {**keys[1], "use": "enc"},
        {"kty": "EC", "crv": "P-384", "x": b64(b"\x01" * 48), "y": b64(b"\x02" * 48)},
        {"kty": "OKP", "crv": "X25519", "x": b64(b"\x03" * 32)},
        {"kty": "RSA", "n": b64(b"\xff" * 64), "e": "AQAB"},
        keys[2]]}))
    write("jwks", "bad_point", json.dumps({"keys": [{"kty": "EC", "crv": "P-256", "x": b64(b"\x00" * 32), "y": b64(b"\x00" * 32)}]}))
    write("jwks", "empty", '{"keys":[]}')


if __name__ == "__main__":
    which = set(sys.argv[1:])
    steps = {"proto": proto, "json": json_target, "jsonrpc": jsonrpc, "config": config, "sse": sse,
             "http-response": http_response, "admin-http": admin_http, "jwt": jwt_targets}
    for name, step in steps.items():
        if not which or name in which or (name == "jwt" and "jwks" in which):
            step()
    for d in sorted(CORPUS.iterdir()):
        print(f"{d.name}: {len(list(d.iterdir()))} seeds")
