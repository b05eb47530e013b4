"""Named schema migrations of the session index (:mod:`voiceinterviewer.session.index`).

Migrations are applied in the order they are defined and recorded by name in
a ``_migrations`` table, each in its own transaction: ``m001_sessions``
creates the table, later ones alter it. A migration that adds columns clears
the signatures, so the next refresh re-reads every folder and fills them in.
Never edit a migration that has shipped; add the next one.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import datetime, timezone

MIGRATIONS: list[Callable[[sqlite3.Connection], None]] = []


def migration(fn: Callable[[sqlite3.Connection], None]) -> Callable[[sqlite3.Connection], None]:
    """Register a schema migration; they run in the order they are defined."""
    MIGRATIONS.append(fn)
    return fn


@migration
def m001_sessions(db: sqlite3.Connection) -> None:
    db.execute(
        """
        CREATE TABLE sessions (
            path TEXT PRIMARY KEY,      -- absolute session folder
            root TEXT NOT NULL,         -- the recordings root it was found under
            id TEXT NOT NULL,
            started_at TEXT NOT NULL DEFAULT '',
            track TEXT NOT NULL DEFAULT '',
            level_target TEXT NOT NULL DEFAULT '',
            level_verdict TEXT,         -- report.json overall.level; NULL when not scored
            scope INTEGER,
            influence INTEGER,
            technical_depth INTEGER,
            judgment INTEGER,
            communication INTEGER,
            duration REAL NOT NULL DEFAULT 0,
            turns INTEGER NOT NULL DEFAULT 0,
            signature TEXT NOT NULL,    -- see folder_signature()
            problem TEXT                -- why the folder could not be read, if it could not
        )
        """
    )
    db.execute("CREATE INDEX sessions_by_root ON sessions (root, started_at)")


@migration
def m002_delivery(db: sqlite3.Connection) -> None:
    for column in (
        "wpm REAL",
        "fillers_per_min REAL",
        "signal TEXT",
        "ladder_label TEXT",
        "report_version INTEGER",
    ):
        db.execute(f"ALTER TABLE sessions ADD COLUMN {column}")
    db.execute("UPDATE sessions SET signature = ''")


@contextmanager
def transaction(db: sqlite3.Connection) -> Iterator[None]:
    """One explicit transaction (connections here are in autocommit mode, so DDL is covered too)."""
    db.execute("BEGIN IMMEDIATE")
    try:
        yield
    except BaseException:
        db.execute("ROLLBACK")
        raise
    db.execute("COMMIT")


def _ensure_migrations_table(db: sqlite3.Connection) -> None:
    db.execute(
        "CREATE TABLE IF NOT EXISTS _migrations (name TEXT PRIMARY KEY, applied_at TEXT NOT NULL)"
    )


def applied_migrations(db: sqlite3.Connection) -> list[str]:
    _ensure_migrations_table(db)
    return [row[0] for row in db.execute("SELECT name FROM _migrations ORDER BY rowid")]


def migrate(db: sqlite3.Connection) -> list[str]:
    """Apply the migrations not yet recorded, each in its own transaction; return their names.

    Each one is checked again inside its transaction, so two processes opening
    a new index at once apply it once.
    """
    _ensure_migrations_table(db)
    ran = []
    for fn in MIGRATIONS:
        with transaction(db):
            if db.execute("SELECT 1 FROM _migrations WHERE name = ?", (fn.__name__,)).fetchone():
                continue
            fn(db)
            db.execute(
                "INSERT INTO _migrations (name, applied_at) VALUES (?, ?)",
                (fn.__name__, datetime.now(timezone.utc).isoformat(timespec="seconds")),
            )
        ran.append(fn.__name__)
    return ran
