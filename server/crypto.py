"""Authenticated encryption of free text, bound to the row it belongs to.

Keys come from `ENCRYPTION_KEYS` (base64url 32-byte keys, newest first).
A ciphertext is: version byte, 4-byte key id, 12-byte nonce, AES-256-GCM
output. The associated data names the table, column and row id, so a
ciphertext copied into another row or column fails to decrypt.
"""

import hashlib
import os
from dataclasses import dataclass

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from flask import current_app

from server.secrets import b64url_decode

VERSION = b"\x01"


class DecryptionError(Exception):
    """Raised when no configured key opens a ciphertext (wrong row or missing key)."""


@dataclass(frozen=True)
class Key:
    key_id: bytes
    aead: AESGCM


class Keyring:
    def __init__(self, encoded_keys: str):
        keys = []
        for text in encoded_keys.split(","):
            raw = b64url_decode(text.strip())
            if len(raw) != 32:
                raise RuntimeError("each ENCRYPTION_KEYS entry must be 32 bytes, base64url")
            keys.append(Key(hashlib.sha256(raw).digest()[:4], AESGCM(raw)))
        if not keys:
            raise RuntimeError("ENCRYPTION_KEYS is empty")
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
