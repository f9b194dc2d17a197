#!/usr/bin/env python3
"""Mint test bearer tokens for the auth-enabled example (a stand-in for your OIDC provider).

  .venv/bin/python examples/auth/mint-token.py --init            # make a signing key + jwks.json (once)
  .venv/bin/python examples/auth/mint-token.py --sub alice        # print a token for alice (1 h)
  .venv/bin/python examples/auth/mint-token.py --sub agent --groups calculus-users --ttl 600

The gateway verifies these with examples/auth/jwks.json (issuer https://issuer.example, audience
mcp-gateway), exactly as it would tokens from a real issuer's JWKS URL. The private key stays in
examples/auth/signing-key.pem, which is git-ignored: every checkout makes its own.
"""
import argparse
import json
import time
from pathlib import Path

import jwt
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec

HERE = Path(__file__).resolve().parent
KEY = HERE / "signing-key.pem"
JWKS = HERE / "jwks.json"
ISSUER = "https://issuer.example"
AUDIENCE = "mcp-gateway"
KID = "example-es256"


def init():
    key = ec.generate_private_key(ec.SECP256R1())
    KEY.write_bytes(key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()))
    jwk = json.loads(jwt.algorithms.ECAlgorithm.to_jwk(key.public_key()))
    jwk.update({"kid": KID, "use": "sig", "alg": "ES256"})
    JWKS.write_text(json.dumps({"keys": [jwk]}, indent=2) + "\n")
    print(f"wrote {KEY.name} and {JWKS.name}")


def mint(sub, groups, ttl):
    key = serialization.load_pem_private_key(KEY.read_bytes(), password=None)
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": sub, "iat": now, "nbf": now, "exp": now + ttl}
    if groups:
        claims["groups"] = groups
    return jwt.encode(claims, key, algorithm="ES256", headers={"kid": KID})


if __name__ == "__main__":
    ap = argparse.ArgumentParser()
    ap.add_argument("--init", action="store_true")
    ap.add_argument("--sub", default="alice")
    ap.add_argument("--groups", nargs="*", default=[])
    ap.add_argument("--ttl", type=int, default=3600)
    a = ap.parse_args()
    if a.init or not KEY.exists():
        init()
    if not a.init:
        print(mint(a.sub, a.groups, a.ttl))
