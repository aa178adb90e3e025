"""The audit log: who viewed or changed what, when, from where. Rows are only ever added (and removed with
the retention purge of the same age as the data they describe)."""
from __future__ import annotations

from sqlalchemy.orm import Session as DB

from .models import AuditEntry, User


def label(user: User | None) -> str:
    if user is None:
        return "system"
    return f"{user.role} {user.name} <{user.email or '-'}> #{user.id}"


def record(db: DB, actor: User | None, action: str, target: str, patient_id: int | None = None,
           detail: str = "", address: str = "") -> None:
    """Add an entry to the caller's transaction (written with the change it describes, or not at all)."""
    db.add(AuditEntry(actor_id=actor.id if actor else None, actor=label(actor)[:400], action=action,
                      target=target[:100], patient_id=patient_id, detail=detail[:2000], address=address[:64]))
