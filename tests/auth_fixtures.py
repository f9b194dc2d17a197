"""Independent token machinery for the auth tests: keys and tokens from PyJWT + cryptography, and a
TokenReview endpoint that speaks the real authentication.k8s.io/v1 API shape over HTTPS with a
test CA (no Kubernetes API server can run here; this stands in for one and records what it got)."""
import datetime
import http.server
import json
import ssl
import threading
import time
from pathlib import Path

import jwt
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, rsa
from cryptography.x509.oid import NameOID

ISSUER = "https://issuer.test"
AUDIENCE = "mcp-gateway"


class Keys:
    def __init__(self):
        self.rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        self.ec = ec.generate_private_key(ec.SECP256R1())
        self.ed = ed25519.Ed25519PrivateKey.generate()
        self.other_rsa = rsa.generate_private_key(public_exponent=65537, key_size=2048)

    def jwks(self, extra=()):
        keys = []
        for kid, key, alg in [("rsa-1", self.rsa, None), ("ec-1", self.ec, "ES256"), ("ed-1", self.ed, "EdDSA"), *extra]:
            if isinstance(key, rsa.RSAPrivateKey):
                jwk = json.loads(jwt.algorithms.RSAAlgorithm.to_jwk(key.public_key()))
            elif isinstance(key, ec.EllipticCurvePrivateKey):
                jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(key.public_key()))
            else:
                jwk = json.loads(jwt.algorithms.OKPAlgorithm.to_jwk(key.public_key()))
            jwk["kid"] = kid
            if alg:
                jwk["alg"] = alg
            keys.append(jwk)
        return {"keys": keys}

    def token(self, sub="alice", alg="RS256", kid=None, key=None, groups=None, **overrides):
        now = int(time.time())
        claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": sub, "iat": now, "nbf": now, "exp": now + 600}
        if groups:
            claims["groups"] = groups
        claims.update(overrides)
        claims = {k: v for k, v in claims.items() if v is not None}
        default = {"RS256": (self.rsa, "rsa-1"), "PS256": (self.rsa, "rsa-1"), "ES256": (self.ec, "ec-1"),
                   "EdDSA": (self.ed, "ed-1")}[alg]
        return jwt.encode(claims, key or default[0], algorithm=alg, headers={"kid": kid or default[1]})


def b64(data: bytes) -> str:
    import base64
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unsigned_token(sub="mallory"):
    now = int(time.time())
    header = b64(json.dumps({"alg": "none", "kid": "rsa-1"}).encode())
    payload = b64(json.dumps({"iss": ISSUER, "aud": AUDIENCE, "sub": sub, "exp": now + 600}).encode())
    return f"{header}.{payload}."


def hmac_confusion_token(keys: Keys, sub="mallory"):
    """HS256 signed with the RSA public key's PEM as the secret: the classic algorithm confusion."""
    import hashlib
    import hmac
    pem = keys.rsa.public_key().public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    now = int(time.time())
    header = b64(json.dumps({"alg": "HS256", "kid": "rsa-1", "typ": "JWT"}).encode())
    payload = b64(json.dumps({"iss": ISSUER, "aud": AUDIENCE, "sub": sub, "exp": now + 600}).encode())
    sig = hmac.new(pem, f"{header}.{payload}".encode(), hashlib.sha256).digest()
    return f"{header}.{payload}.{b64(sig)}"


def make_ca_and_cert(directory: Path):
    """A test CA and a server certificate for 127.0.0.1, written as PEM files."""
    ca_key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "test-ca")])
    now = datetime.datetime.now(datetime.timezone.utc)
    ca = (x509.CertificateBuilder().subject_name(name).issuer_name(name).public_key(ca_key.public_key())
          .serial_number(x509.random_serial_number()).not_valid_before(now - datetime.timedelta(minutes=5))
          .not_valid_after(now + datetime.timedelta(days=1))
          .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
          .sign(ca_key, hashes.SHA256()))
    key = ec.generate_private_key(ec.SECP256R1())
    import ipaddress
    cert = (x509.CertificateBuilder().subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "kube-apiserver")]))
            .issuer_name(name).public_key(key.public_key()).serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(minutes=5)).not_valid_after(now + datetime.timedelta(days=1))
            .add_extension(x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), critical=False)
            .sign(ca_key, hashes.SHA256()))
    (directory / "ca.crt").write_bytes(ca.public_bytes(serialization.Encoding.PEM))
    (directory / "server.crt").write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    (directory / "server.key").write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                                             serialization.NoEncryption()))
    return directory / "ca.crt"


class TokenReviewServer:
    """POST /apis/authentication.k8s.io/v1/tokenreviews, answering like kube-apiserver.

    `tokens` maps a token to (username, groups, audiences); anything else is unauthenticated.
    `delay` slows every answer; `fail` makes it answer 500.
    """

    def __init__(self, directory: Path, reviewer_token: str):
        self.tokens = {}
        self.requests = []
        self.delay = 0.0
        self.fail = False
        self.reviewer_token = reviewer_token
        self.ca = make_ca_and_cert(directory)
        outer = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def do_POST(self):
                body = self.rfile.read(int(self.headers.get("content-length", 0)))
                outer.requests.append({"path": self.path, "authorization": self.headers.get("authorization"),
                                       "content_type": self.headers.get("content-type"), "body": json.loads(body)})
                time.sleep(outer.delay)
                if outer.fail:
                    self.reply(500, {"kind": "Status", "status": "Failure"})
                    return
                if self.headers.get("authorization") != f"Bearer {outer.reviewer_token}":
                    self.reply(401, {"kind": "Status", "status": "Failure", "reason": "Unauthorized"})
                    return
                review = json.loads(body)
                spec = review.get("spec", {})
                status = {"authenticated": False, "error": "invalid bearer token"}
                entry = outer.tokens.get(spec.get("token"))
                if entry:
                    username, groups, auds = entry
                    wanted = spec.get("audiences") or []
                    if not wanted or set(wanted) & set(auds):
                        status = {"authenticated": True, "user": {"username": username, "uid": "u-1", "groups": groups},
                                  "audiences": sorted(set(wanted) & set(auds)) if wanted else auds}
                review["status"] = status
                self.reply(201, review)

            def reply(self, code, obj):
                data = json.dumps(obj).encode()
                self.send_response(code)
                self.send_header("content-type", "application/json")
                self.send_header("content-length", str(len(data)))
                self.end_headers()
                self.wfile.write(data)

            def log_message(self, *a):
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.server.daemon_threads = True
        ctx = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        ctx.load_cert_chain(directory / "server.crt", directory / "server.key")
        self.server.socket = ctx.wrap_socket(self.server.socket, server_side=True)
        self.port = self.server.server_address[1]
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    @property
    def url(self):
        return f"https://127.0.0.1:{self.port}"

    def stop(self):
        self.server.shutdown()
