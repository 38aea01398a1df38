"""Google's OAuth 2.0 token endpoint for service accounts (JWT-bearer grant, RFC 7523), as Google documents it.

A service account's key file holds an RSA private key; the client signs a JWT (RS256) whose `iss` is the
account's e-mail, `aud` Google's token endpoint, `scope` what it asks for, `iat`/`exp` at most an hour apart,
and posts it as `grant_type=urn:ietf:params:oauth:grant-type:jwt-bearer&assertion=…`. The answer is
`{"access_token", "expires_in", "token_type": "Bearer"}`, or a 400 `{"error": "invalid_grant", …}`.
"""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding, rsa

JWT_BEARER = "urn:ietf:params:oauth:grant-type:jwt-bearer"
DRIVE_SCOPES = frozenset(
    {"https://www.googleapis.com/auth/drive", "https://www.googleapis.com/auth/drive.file"}
)
TOKEN_LIFETIME_S = 3599
GOOGLE_TOKEN_AUDIENCE = "https://oauth2.googleapis.com/token"  # Google's documented `aud`, wherever posted
CLOCK_SKEW_S = 300


class GrantError(Exception):
    def __init__(self, error: str, description: str) -> None:
        super().__init__(description)
        self.error = error
        self.description = description


@dataclass
class Accounts:
    """Service accounts (e-mail → public key) and the access tokens handed out."""

    keys: dict[str, rsa.RSAPublicKey] = field(default_factory=dict)
    tokens: dict[str, tuple[str, float]] = field(default_factory=dict)  # token → (e-mail, expiry)
    refuse_all: bool = False  # an account disabled in the console: every grant refused
    lock: threading.Lock = field(default_factory=threading.Lock)

    def create_key_file(self, path: Path, *, email: str, token_uri: str) -> Path:
        """A key file as the Cloud console downloads it (« Keys → Add key → JSON »)."""
        private_key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
        with self.lock:
            self.keys[email] = private_key.public_key()
        pem = private_key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        ).decode()
        key = {
            "type": "service_account",
            "project_id": "migrabot-sandbox",
            "private_key_id": secrets.token_hex(20),
            "private_key": pem,
            "client_email": email,
            "client_id": str(10**20 + secrets.randbelow(10**20)),
            "auth_uri": "https://accounts.google.com/o/oauth2/auth",
            "token_uri": token_uri,
            "auth_provider_x509_cert_url": "https://www.googleapis.com/oauth2/v1/certs",
            "universe_domain": "googleapis.com",
        }
        path.write_text(json.dumps(key, indent=2), encoding="utf-8")
        return path

    def grant(self, form: dict[str, str], *, token_uri: str) -> dict:
        if form.get("grant_type") != JWT_BEARER:
            raise GrantError("unsupported_grant_type", f"Invalid grant_type: {form.get('grant_type', '')}")
        claims = self._verified_claims(form.get("assertion", ""), token_uri=token_uri)
        if self.refuse_all:
            raise GrantError("invalid_grant", "Invalid grant: account not found")
        token = "ya29.sandbox-" + secrets.token_urlsafe(24)
        with self.lock:
            self.tokens[token] = (claims["iss"], time.time() + TOKEN_LIFETIME_S)
        return {"access_token": token, "expires_in": TOKEN_LIFETIME_S, "token_type": "Bearer"}

    def account_of(self, token: str) -> str | None:
        with self.lock:
            email, expiry = self.tokens.get(token, ("", 0.0))
        return email if email and expiry > time.time() else None

    def _verified_claims(self, assertion: str, *, token_uri: str) -> dict:
        try:
            header_b64, claims_b64, signature_b64 = assertion.split(".")
            header, claims = json.loads(_unb64(header_b64)), json.loads(_unb64(claims_b64))
            signature = _unb64(signature_b64)
        except ValueError:
            raise GrantError("invalid_request", "Invalid JWT: Malformed") from None
        if header.get("alg") != "RS256":
            raise GrantError("invalid_grant", "Invalid JWT: Unsupported algorithm")
        with self.lock:
            public_key = self.keys.get(str(claims.get("iss", "")))
        if public_key is None:
            raise GrantError("invalid_grant", "Invalid grant: account not found")
        try:
            signed = f"{header_b64}.{claims_b64}".encode()
            public_key.verify(signature, signed, padding.PKCS1v15(), hashes.SHA256())
        except InvalidSignature:
            raise GrantError("invalid_grant", "Invalid JWT Signature.") from None
        _check_claims(claims, token_uri=token_uri)
        return claims


def _check_claims(claims: dict, *, token_uri: str) -> None:
    now = time.time()
    if claims.get("aud") not in {GOOGLE_TOKEN_AUDIENCE, token_uri}:
        raise GrantError("invalid_grant", "Invalid JWT: Failed audience check.")
    issued, expires = float(claims.get("iat", 0)), float(claims.get("exp", 0))
    if issued > now + CLOCK_SKEW_S or expires < now - CLOCK_SKEW_S or expires - issued > 3600:
        raise GrantError(
            "invalid_grant",
            "Invalid JWT: Token must be a short-lived token (60 minutes) and in a reasonable timeframe.",
        )
    if not DRIVE_SCOPES & set(str(claims.get("scope", "")).split()):
        raise GrantError("invalid_scope", "Invalid OAuth scope or ID token audience provided.")


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))
