"""Authenticated encryption of free text, bound to the row it belongs to.

Keys come from `ENCRYPTION_KEYS` (base64url 32-byte keys, newest first).
A ciphertext is: version byte, 4-byte key id, 12-byte nonce, AES-256-GCM
output. The associated data names the table, column and row id, so a
ciphertext copied into another row or column fails to decrypt.
"""

import hashlib
import os
import re
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app

from server.secrets import ConfigurationError, b64url_decode

VERSION = b"\x01"


class DecryptionError(Exception):
    """Raised when no configured key opens a ciphertext (wrong row or missing key)."""


B64URL = re.compile(r"[A-Za-z0-9_-]*")
KEY_CHARACTERS = 43  # 32 bytes in unpadded base64url


def parse_keys(encoded: str | None) -> list[bytes]:
    """ENCRYPTION_KEYS as raw keys, or a ConfigurationError naming the mistake.

    Accepted: base64url 32-byte keys separated by commas, with or without
    `=` padding and spaces around the commas. The message says which entry
    is wrong and how, and never quotes it.
    """
    if not encoded or not encoded.strip():
        raise ConfigurationError("ENCRYPTION_KEYS is empty: set at least one key.")
    entries = encoded.split(",")
    keys = []
    for number, entry in enumerate(entries, start=1):
        where = f"ENCRYPTION_KEYS entry {number} of {len(entries)}"
        text = entry.strip()
        if not text:
            raise ConfigurationError(
                f"{where} is empty: keys are separated by single commas, with none at the ends."
            )
        unpadded = text.rstrip("=")
        if any(separator in unpadded for separator in (";", " ", ":", "\t", "\n", "|")):
            raise ConfigurationError(
                f"{where} contains a space or another separator: separate keys with commas."
            )
        if not B64URL.fullmatch(unpadded):
            hint = " (+ and / are standard base64: use - and _)" if re.search("[+/]", text) else ""
            raise ConfigurationError(
                f"{where} has characters outside base64url (A-Z a-z 0-9 - _){hint}."
            )
        if len(text) - len(unpadded) > 1:
            raise ConfigurationError(f"{where} ends in more than one '=': drop the padding.")
        if len(unpadded) != KEY_CHARACTERS:
            raise ConfigurationError(
                f"{where} is {len(unpadded)} characters long: a key is {KEY_CHARACTERS} "
                "base64url characters (32 bytes), optionally followed by one '='."
            )
        keys.append(b64url_decode(unpadded))
    return keys


def key_id(raw: bytes) -> bytes:
    return hashlib.sha256(raw).digest()[:4]


@dataclass(frozen=True)
class Key:
    key_id: bytes
    aead: AESGCM


class Keyring:
    def __init__(self, encoded_keys: str):
        keys = [Key(key_id(raw), AESGCM(raw)) for raw in parse_keys(encoded_keys)]
        self.newest = keys[0]
        self.by_id = {key.key_id: key for key in keys}

    def encrypt(self, plaintext: str, context: str) -> bytes:
        nonce = os.urandom(12)
        sealed = self.newest.aead.encrypt(nonce, plaintext.encode(), context.encode())
        return VERSION + self.newest.key_id + nonce + sealed

    def decrypt(self, blob: bytes, context: str) -> str:
        if blob[:1] != VERSION:
            raise DecryptionError("unknown ciphertext version")
        key = self.by_id.get(blob[1:5])
        if key is None:
            raise DecryptionError("ciphertext key is not configured")
        try:
            return key.aead.decrypt(blob[5:17], blob[17:], context.encode()).decode()
        except InvalidTag:
            raise DecryptionError("ciphertext does not belong here") from None

    def is_current(self, blob: bytes) -> bool:
        return blob[1:5] == self.newest.key_id


def keyring() -> Keyring:
    return current_app.extensions["between.keyring"]


def row_context(table: str, column: str, row_id) -> str:
    return f"{table}.{column}:{row_id}"


class EncryptedText:
    """A model attribute storing text encrypted into another (binary) column.

    Usage: ``note = EncryptedText("note_ciphertext")``. The row's ``id`` must
    be set before the text is assigned; it is part of the associated data.
    """

    def __init__(self, column: str):
        self.column = column

    def __set_name__(self, owner, name):
        self.name = name

    def _context(self, instance) -> str:
        if instance.id is None:
            raise ValueError(f"{type(instance).__name__}.id must be set before {self.name}")
        return row_context(instance.__tablename__, self.name, instance.id)

    def __get__(self, instance, owner=None):
        if instance is None:
            return self
        blob = getattr(instance, self.column)
        return None if blob is None else keyring().decrypt(blob, self._context(instance))

    def __set__(self, instance, value):
        blob = None if value is None else keyring().encrypt(value, self._context(instance))
        setattr(instance, self.column, blob)
