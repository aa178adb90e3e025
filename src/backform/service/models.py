"""The database tables (SQLAlchemy 2 declarative). Alembic migrations in ``migrations/`` create them.

One deployment is one clinic. Users carry their role; a patient belongs to one therapist. Session uploads are
keyed by (patient, digest of session.json) so the same session uploaded twice is one row. Secrets (passwords,
invitation codes, tokens, login sessions) are stored only as hashes. Audit rows keep the ids and a label of
who did what, without foreign keys, so they outlive a deleted patient.
"""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (JSON, Boolean, DateTime, ForeignKey, Integer, String, Text,
                        UniqueConstraint)
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column, relationship


def now() -> datetime:
    """UTC, naive (SQLite keeps no time zone; every timestamp in the database is UTC)."""
    return datetime.now(timezone.utc).replace(tzinfo=None, microsecond=0)


class Base(DeclarativeBase):
    type_annotation_map = {datetime: DateTime()}


class User(Base):
    __tablename__ = "users"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    role: Mapped[str] = mapped_column(String(16))
    name: Mapped[str] = mapped_column(String(200))
    email: Mapped[str | None] = mapped_column(String(320), unique=True)  # None until an invitation is accepted
    password_hash: Mapped[str | None] = mapped_column(String(200))
    therapist_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"), index=True)
    reference: Mapped[str] = mapped_column(String(100), default="")  # the clinic's patient id, not a name
    privacy: Mapped[str] = mapped_column(String(16), default="skeleton")
    target_days: Mapped[int] = mapped_column(Integer, default=5)  # exercise days per week the programme asks
    active: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(default=now)


class Invitation(Base):
    __tablename__ = "invitations"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_by: Mapped[int | None] = mapped_column(Integer)
    expires_at: Mapped[datetime]
    used_at: Mapped[datetime | None]


class LoginSession(Base):
    __tablename__ = "login_sessions"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    created_at: Mapped[datetime] = mapped_column(default=now)
    expires_at: Mapped[datetime]


class ApiToken(Base):
    __tablename__ = "api_tokens"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    label: Mapped[str] = mapped_column(String(100), default="")
    created_at: Mapped[datetime] = mapped_column(default=now)
    expires_at: Mapped[datetime]
    revoked: Mapped[bool] = mapped_column(Boolean, default=False)


class SessionRecord(Base):
    """One uploaded (or server-analysed) session: the typed session.json and where its blobs are."""
    __tablename__ = "sessions"
    __table_args__ = (UniqueConstraint("patient_id", "digest", name="uq_session_patient_digest"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    digest: Mapped[str] = mapped_column(String(64))          # sha256 of the session.json bytes
    exercise: Mapped[str | None] = mapped_column(String(64))
    recorded_at: Mapped[datetime]                             # when it was done (from the log, else upload)
    uploaded_at: Mapped[datetime] = mapped_column(default=now)
    rep_count: Mapped[int] = mapped_column(Integer, default=0)
    fault_count: Mapped[int] = mapped_column(Integer, default=0)
    partial: Mapped[bool] = mapped_column(Boolean, default=False)
    privacy: Mapped[str] = mapped_column(String(16))
    session_json: Mapped[str] = mapped_column(Text)
    blob_prefix: Mapped[str] = mapped_column(String(300))
    blobs: Mapped[dict] = mapped_column(JSON, default=dict)  # name -> size of each stored file
    comments: Mapped[list[Comment]] = relationship(back_populates="session", cascade="all, delete-orphan",
                                                   order_by="Comment.id")


class Comment(Base):
    __tablename__ = "comments"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    session_id: Mapped[int] = mapped_column(ForeignKey("sessions.id", ondelete="CASCADE"), index=True)
    rep: Mapped[int | None] = mapped_column(Integer)  # a rep number, or None for the whole session
    author_id: Mapped[int | None] = mapped_column(ForeignKey("users.id", ondelete="SET NULL"))
    author_name: Mapped[str] = mapped_column(String(200))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(default=now)
    session: Mapped[SessionRecord] = relationship(back_populates="comments")


class ProgrammeVersion(Base):
    __tablename__ = "programmes"
    __table_args__ = (UniqueConstraint("patient_id", "version", name="uq_programme_version"),)
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column(Integer)
    toml: Mapped[str] = mapped_column(Text)
    created_by: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=now)


class Job(Base):
    """A raw video waiting for (or done with) analysis on the server."""
    __tablename__ = "jobs"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    patient_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"), index=True)
    exercise: Mapped[str] = mapped_column(String(64))
    video_key: Mapped[str] = mapped_column(String(300))
    status: Mapped[str] = mapped_column(String(16), default="queued", index=True)  # queued/running/done/failed
    error: Mapped[str] = mapped_column(Text, default="")
    session_id: Mapped[int | None] = mapped_column(Integer)
    created_at: Mapped[datetime] = mapped_column(default=now)
    started_at: Mapped[datetime | None]
    finished_at: Mapped[datetime | None]


class LoginFailure(Base):
    """One failed login, under the SHA-256 of what it is counted against (``ip:<address>``,
    ``acct:<e-mail>``): the limiter reads these, so it holds across server processes and restarts."""
    __tablename__ = "login_failures"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    key_hash: Mapped[str] = mapped_column(String(64), index=True)
    at: Mapped[datetime] = mapped_column(default=now, index=True)


class Setting(Base):
    """Clinic-wide settings changed from the admin page (retention)."""
    __tablename__ = "settings"
    key: Mapped[str] = mapped_column(String(64), primary_key=True)
    value: Mapped[str] = mapped_column(Text)


class AuditEntry(Base):
    __tablename__ = "audit"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    at: Mapped[datetime] = mapped_column(default=now, index=True)
    actor_id: Mapped[int | None] = mapped_column(Integer)
    actor: Mapped[str] = mapped_column(String(400))      # "role name <email>" at the time
    action: Mapped[str] = mapped_column(String(64))       # view, create, update, delete, export, login ...
    target: Mapped[str] = mapped_column(String(100))      # "session:12", "patient:3", ...
    patient_id: Mapped[int | None] = mapped_column(Integer, index=True)
    detail: Mapped[str] = mapped_column(Text, default="")
    address: Mapped[str] = mapped_column(String(64), default="")


__all__ = ["ApiToken", "AuditEntry", "Base", "Comment", "Invitation", "Job", "LoginFailure", "LoginSession",
           "ProgrammeVersion", "SessionRecord", "Setting", "User", "now"]
