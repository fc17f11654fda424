"""Argon2id parameters: strong everywhere real passwords live, cheap only in the test suite.

The parameters are read back from the hash string itself ($m=...,t=...,p=...$),
which is what an attacker holding the database would face.
"""

import re
from concurrent.futures import ThreadPoolExecutor

import pytest
from flask import Flask, has_app_context

from config import DevelopmentConfig, ProductionConfig, TestingConfig
from server.auth import passwords

#: argon2-cffi's defaults, RFC 9106's low-memory profile: 64 MiB, 3 passes, 4 lanes.
STRONG = {"m": 65536, "t": 3, "p": 4}
PASSWORD = "correct horse battery staple"


def parameters(password_hash: str) -> dict[str, int]:
    match = re.fullmatch(r"\$argon2id\$v=19\$m=(\d+),t=(\d+),p=(\d+)\$[^$]+\$[^$]+", password_hash)
    assert match, password_hash
    return dict(zip("mtp", map(int, match.groups()), strict=True))


def app_with(config) -> Flask:
    app = Flask(__name__)
    app.config.from_object(config)
    return app


@pytest.mark.parametrize("config", [ProductionConfig, DevelopmentConfig])
def test_production_and_development_hash_with_the_strong_profile(config):
    with app_with(config).app_context():
        password_hash = passwords.hash_password(PASSWORD)
        assert parameters(password_hash) == STRONG
        assert passwords.verify_password(password_hash, PASSWORD)
        assert not passwords.verify_password(password_hash, PASSWORD + "!")
        assert not passwords.needs_rehash(password_hash)


def test_outside_an_app_the_strong_profile_is_used():
    # A new thread starts without the test's app context (contexts are contextvars).
    with ThreadPoolExecutor(max_workers=1) as pool:
        assert not pool.submit(has_app_context).result()
        password_hash = pool.submit(passwords.hash_password, PASSWORD).result()
    assert parameters(password_hash) == STRONG


def test_the_test_suite_hashes_cheaply(app):
    assert app.config["ARGON2_PROFILE"] == TestingConfig.ARGON2_PROFILE
    password_hash = passwords.hash_password(PASSWORD)
    assert parameters(password_hash) == {"m": 64, "t": 1, "p": 1}
    assert passwords.verify_password(password_hash, PASSWORD)
    assert not passwords.verify_password(password_hash, "another long password")


def test_a_cheap_profile_outside_testing_is_ignored():
    """A stray ARGON2_PROFILE in production cannot weaken real hashes."""
    app = app_with(ProductionConfig)
    app.config["ARGON2_PROFILE"] = TestingConfig.ARGON2_PROFILE
    with app.app_context():
        assert parameters(passwords.hash_password(PASSWORD)) == STRONG


def test_production_rehashes_a_cheap_hash_and_still_accepts_it(app):
    cheap = passwords.hash_password(PASSWORD)  # the testing app's profile
    with app_with(ProductionConfig).app_context():
        assert passwords.verify_password(cheap, PASSWORD)
        assert passwords.needs_rehash(cheap)  # authenticate() then stores a strong hash
