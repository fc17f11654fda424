"""Password hashing (Argon2id) and the password policy.

Policy, following NIST SP 800-63B: at least 12 characters, no composition
rules, and refuse passwords that appear in breach corpora or are trivially
guessable from the account itself.
"""

import functools
from importlib import resources

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context

MIN_LENGTH = 12
MAX_LENGTH = 256


@functools.cache
def _hasher_for(profile: tuple[tuple[str, int], ...]) -> PasswordHasher:
    # No profile: argon2-cffi's defaults, Argon2id with RFC 9106's low-memory
    # profile (t=3, m=64 MiB, p=4). That is what production and development use.
    return PasswordHasher(**dict(profile))


def _hasher() -> PasswordHasher:
    """The hasher for the app's `ARGON2_PROFILE`, heeded only by a testing app.

    TestingConfig sets a cheap profile so the suite does not spend its time
    hashing; anywhere else (production, development, no app) the profile is
    ignored, so a stray setting can never weaken real password hashes.
    """
    testing = has_app_context() and current_app.testing
    profile = current_app.config.get("ARGON2_PROFILE") if testing else None
    return _hasher_for(tuple(sorted((profile or {}).items())))


@functools.cache
def _dummy_hash(hasher: PasswordHasher) -> str:
    # Verified against when an account does not exist, so both paths cost the same.
    return hasher.hash("a password nobody has, used for timing only")


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def verify_password(password_hash: str | None, password: str) -> bool:
    hasher = _hasher()
    try:
        return hasher.verify(password_hash or _dummy_hash(hasher), password) and bool(password_hash)
    except (VerificationError, InvalidHashError):
        return False


def needs_rehash(password_hash: str) -> bool:
    return _hasher().check_needs_rehash(password_hash)


@functools.cache
def _common_passwords() -> frozenset[str]:
    text = resources.files("server.auth").joinpath("common_passwords.txt").read_text()
    return frozenset(line.strip().lower() for line in text.splitlines() if line.strip())


def password_problems(password: str, *, email: str | None = None) -> list[str]:
    """Messages saying why `password` is refused; empty when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return [f"Use at least {MIN_LENGTH} characters; a few words together work well."]
    if len(password) > MAX_LENGTH:
        return [f"Use at most {MAX_LENGTH} characters."]
    lowered = password.lower()
    if lowered in _common_passwords() or len(set(lowered)) <= 3:
        return ["This password is too common; choose one that is not easy to guess."]
    if email and email.split("@")[0].lower() in lowered and len(email.split("@")[0]) >= 4:
        return ["Do not build the password from your email address."]
    return []
