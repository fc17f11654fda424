"""The device secret: what the patient app seals drafts and its outbox under.

The app derives a non-extractable WebCrypto key from it and drops that key
when the session ends (sign-out, or a 401). What waits on the phone stays
sealed there; once the same person signs in again the app fetches the same
secret, derives the same key, and sends it. Nobody else gets the secret, so
another person signing in on that phone cannot open it.
"""

import secrets

from sqlalchemy import select, update

from server.auth.models import User
from server.crypto import keyring, row_context
from server.extensions import db

SECRET_BYTES = 32


def device_secret(user: User) -> str:
    """The account's secret (base64url), made on first need; stable afterwards.

    Two first requests at once must agree on one secret, or what one of
    them sealed could never be opened: the secret is only written where
    none is yet, and whichever landed first is read back.
    """
    if user.device_secret_ciphertext is not None:
        return user.device_secret
    context = row_context(User.__tablename__, "device_secret", user.id)
    made = keyring().encrypt(secrets.token_urlsafe(SECRET_BYTES), context)
    db.session.execute(
        update(User)
        .where(User.id == user.id, User.device_secret_ciphertext.is_(None))
        .values(device_secret_ciphertext=made)
        .execution_options(synchronize_session=False)
    )
    db.session.commit()
    stored = db.session.scalar(select(User.device_secret_ciphertext).where(User.id == user.id))
    return keyring().decrypt(stored, context)
