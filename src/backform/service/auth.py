"""Who is asking: passwords (argon2id), login sessions (random cookie, hash in the database), per-patient API
tokens (Bearer), CSRF tokens (HMAC of the login session), a failed-login limiter, and who may see whom.

A caller is a login session (browser) or an API token (``backform upload``). Unsafe requests from a browser
need the CSRF token (form field ``csrf`` or header ``X-CSRF-Token``); Bearer requests carry no ambient
authority and need none. A patient sees only their own data; a therapist only their patients; an admin
everyone (and manages accounts). What a caller may not see answers 404, as if it did not exist.
"""
from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, select
from sqlalchemy.orm import Session as DB

from .models import ApiToken, LoginFailure, LoginSession, SessionRecord, User, now

COOKIE = "bf_session"
PRE_COOKIE = "bf_pre"      # before login: binds the login form's CSRF token to this browser
_hasher = PasswordHasher()
_DUMMY = _hasher.hash("not a password")


def use_hasher(hasher: PasswordHasher) -> None:
    """Other argon2 parameters (the tests use cheap ones; argon2-cffi's defaults are RFC 9106's low-memory
    profile, ~50 ms a hash on an idle core)."""
    global _hasher, _DUMMY
    _hasher, _DUMMY = hasher, hasher.hash("not a password")


def digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_secret(nbytes: int = 24) -> str:
    return secrets.token_urlsafe(nbytes)


def hash_password(pw: str) -> str:
    if len(pw) < 10:
        raise ValueError("a password needs at least 10 characters")
    return _hasher.hash(pw)


def check_password(user: User | None, pw: str) -> bool:
    """Constant work whether or not the account exists."""
    try:
        return _hasher.verify(user.password_hash if user and user.password_hash else _DUMMY, pw) and \
            bool(user and user.password_hash and user.active)
    except (VerificationError, InvalidHashError):
        return False


def csrf_token(secret: bytes, bound_to: str) -> str:
    return hmac.new(secret, b"csrf:" + bound_to.encode(), hashlib.sha256).hexdigest()


def csrf_ok(secret: bytes, bound_to: str | None, given: str | None) -> bool:
    return bool(bound_to and given) and hmac.compare_digest(csrf_token(secret, bound_to), given)


def start_login(db: DB, user: User, hours: float) -> str:
    token = new_secret(32)
    db.add(LoginSession(token_hash=digest(token), user_id=user.id, expires_at=now() + timedelta(hours=hours)))
    return token


def end_login(db: DB, token: str | None) -> None:
    if token:
        ls = db.scalar(select(LoginSession).where(LoginSession.token_hash == digest(token)))
        if ls is not None:
            db.delete(ls)


def user_of_cookie(db: DB, token: str | None) -> User | None:
    if not token:
        return None
    ls = db.scalar(select(LoginSession).where(LoginSession.token_hash == digest(token)))
    if ls is None or ls.expires_at < now():
        return None
    u = db.get(User, ls.user_id)
    return u if u is not None and u.active else None


def new_api_token(db: DB, user: User, days: float, label: str = "") -> str:
    token = "bf_" + new_secret(30)
    db.add(ApiToken(token_hash=digest(token), user_id=user.id, label=label[:100],
                    expires_at=now() + timedelta(days=days)))
    return token


def user_of_token(db: DB, token: str) -> tuple[User | None, str]:
    """(user, "") or (None, why)."""
    t = db.scalar(select(ApiToken).where(ApiToken.token_hash == digest(token)))
    if t is None or t.revoked:
        return None, "unknown or revoked token"
    if t.expires_at < now():
        return None, "the token has expired; create a new one on your page"
    u = db.get(User, t.user_id)
    if u is None or not u.active:
        return None, "the account of this token is not active"
    return u, ""


class FailedLogins:
    """Failed logins per key (address, account) in a sliding window; over the limit the login answers 429.
    Counted in the ``login_failures`` table (keys stored as SHA-256), so every server process sharing the
    database counts the same attempts, and a restart forgets none. The rows are added to the caller's
    transaction (committed with the audit entry of the failed login)."""

    def __init__(self, limit: int, window_s: float):
        self.limit, self.window_s = limit, window_s

    def _since(self):
        return now() - timedelta(seconds=self.window_s)

    def blocked(self, db: DB, *keys: str) -> bool:
        hashes = [digest(k) for k in keys]
        q = (select(LoginFailure.key_hash, func.count()).where(LoginFailure.key_hash.in_(hashes),
                                                               LoginFailure.at >= self._since())
             .group_by(LoginFailure.key_hash))
        return any(n >= self.limit for _, n in db.execute(q))

    def fail(self, db: DB, *keys: str) -> None:
        db.execute(delete(LoginFailure).where(LoginFailure.at < self._since()))  # what no window counts
        t = now()
        db.add_all([LoginFailure(key_hash=digest(k), at=t) for k in keys])

    def clear(self, db: DB, *keys: str) -> None:
        db.execute(delete(LoginFailure).where(LoginFailure.key_hash.in_([digest(k) for k in keys])))


# --- who may see whom ------------------------------------------------------------------------------------------
def patients_of(db: DB, user: User) -> list[User]:
    q = select(User).where(User.role == "patient")
    if user.role == "therapist":
        q = q.where(User.therapist_id == user.id)
    elif user.role == "patient":
        q = q.where(User.id == user.id)
    return list(db.scalars(q.order_by(User.name, User.id)))


def can_see_patient(user: User, patient: User | None) -> bool:
    if patient is None or patient.role != "patient":
        return False
    return user.role == "admin" or (user.role == "therapist" and patient.therapist_id == user.id) or \
        (user.role == "patient" and user.id == patient.id)


def visible_patient(db: DB, user: User, patient_id: int) -> User | None:
    p = db.get(User, patient_id)
    return p if can_see_patient(user, p) else None


def visible_session(db: DB, user: User, session_id: int) -> SessionRecord | None:
    s = db.get(SessionRecord, session_id)
    if s is None or visible_patient(db, user, s.patient_id) is None:
        return None
    return s
