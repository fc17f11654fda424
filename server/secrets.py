"""Secrets: from the environment, or generated into the instance folder.

In development the app must start with nothing configured, so missing
secrets are generated once and kept in `instance/secrets.json` (mode 0600).
In production a missing secret is an operator error: start-up stops with a
message naming the variable.
"""

import base64
import json
import os
import secrets
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric import ec


class ConfigurationError(RuntimeError):
    """A setting that stops start-up; its message says what to fix, never a secret."""


REQUIRED_IN_PRODUCTION = ("SECRET_KEY", "ENCRYPTION_KEYS", "VAPID_PRIVATE_KEY")


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode("ascii")


def b64url_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def new_encryption_key() -> str:
    return b64url(secrets.token_bytes(32))


def new_vapid_private_key() -> str:
    key = ec.generate_private_key(ec.SECP256R1())
    return b64url(key.private_numbers().private_value.to_bytes(32, "big"))


GENERATORS = {
    "SECRET_KEY": lambda: secrets.token_urlsafe(48),
    "ENCRYPTION_KEYS": new_encryption_key,
    "VAPID_PRIVATE_KEY": new_vapid_private_key,
}


def resolve_secrets(config: dict, instance_path: str, env_name: str) -> None:
    """Fill missing secrets in `config`, or refuse to start in production."""
    missing = [name for name in GENERATORS if not config.get(name)]
    if not missing:
        return
    if env_name == "production":
        raise ConfigurationError(
            "Between will not start in production without "
            + ", ".join(missing)
            + ": set them as environment variables (see README, Configuration)."
        )
    if env_name == "testing":
        for name in missing:
            config[name] = GENERATORS[name]()
        return
    path = Path(instance_path) / "secrets.json"
    stored = json.loads(path.read_text()) if path.exists() else {}
    changed = False
    for name in missing:
        if name not in stored:
            stored[name] = GENERATORS[name]()
            changed = True
        config[name] = stored[name]
    if changed:
        path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "w") as handle:
            json.dump(stored, handle, indent=2)


def save_instance_secret(instance_path: str, name: str, value: str) -> None:
    """Write one secret into the development secrets file (used by key rotation)."""
    path = Path(instance_path) / "secrets.json"
    stored = json.loads(path.read_text()) if path.exists() else {}
    stored[name] = value
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(stored, handle, indent=2)
