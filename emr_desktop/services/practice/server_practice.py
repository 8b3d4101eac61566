"""A practice on a PostgreSQL server: setting the server up once, workstations joining it,
and opening it from a joined workstation.

The server holds the practice's data and its key file (the practice key wrapped under the
passphrase); each workstation holds a profile without secrets, its audit anchor, and (in
the OS keyring) the workstations' password and the unwrapped practice key.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from sqlalchemy import Engine, exc, insert, select, text

from emr_desktop.errors import PracticeError
from emr_desktop.models.audit import PracticeKey
from emr_desktop.models.user import User
from emr_desktop.persistence import server_setup
from emr_desktop.persistence.database import Database
from emr_desktop.persistence.keyfile import KeyFile, new_database_key
from emr_desktop.persistence.migrate import current_revision, head_revision, upgrade
from emr_desktop.persistence.server import (
    APP_ROLE,
    CA_NAME,
    ServerProfile,
    address,
    connect_failure,
    parse_server_url,
    server_engine,
)
from emr_desktop.security import keystore
from emr_desktop.services.practice.folder import (
    PracticePaths,
    check_first_admin,
    check_passphrase_rules,
    require_empty_folder,
    write_first_rows,
)
from emr_desktop.services.practice.server_backups import pre_migration_backup

Secret = Callable[[], str]
SERVER_PASSWORD_ENV = "EMR_SERVER_PASSWORD"


@dataclass(frozen=True)
class ServerSetup:
    """What ``setup_server`` did."""

    db: Database  # open as the owner (close it when done)
    practice_id: str
    new_practice: bool  # False: the server already held a practice (schema brought up to date)
    app_url: str
    kept_backup: Path | None = None  # the backup taken before the schema was upgraded


def _connected(engine: Engine, url_text: str) -> Engine:
    """``engine`` after one successful round trip, or PracticeError in plain words."""
    try:
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
            conn.rollback()
    except exc.DBAPIError as err:
        engine.dispose()
        raise connect_failure(err, parse_server_url(url_text)) from None
    return engine


def _stored_key_file(engine: Engine) -> KeyFile | None:
    """The practice's key file as the server keeps it (None before setup made one)."""
    with engine.execution_options(emr_read_only=True).connect() as conn:
        try:
            found = conn.scalar(select(PracticeKey.key_file).where(PracticeKey.id == 1))
        except exc.ProgrammingError:  # no such table: the schema is not there yet
            found = None
        conn.rollback()
    return KeyFile.from_json(found) if found else None


def setup_server(
    owner_url: str,
    owner_password: str,
    app_password: str,
    passphrase: str,
    *,
    app_role: str = APP_ROLE,
    ca_cert: Path | None = None,
    backup_dir: Path | None = None,
) -> ServerSetup:
    """Create (or bring up to date) the practice's schema under the migration lock, the
    practice key, and the workstations' role with its privileges. Runs as the owner role.

    On a server that already holds the practice the passphrase must unlock its key.
    """
    url = parse_server_url(owner_url, field="server")
    server_setup.check_role_name(app_role)
    if app_role == url.username:
        raise PracticeError("The workstations' role must not be the owner role.")
    engine = _connected(server_engine(url, owner_password, ca_cert=ca_cert), owner_url)
    db = Database(engine)
    try:
        existing = _stored_key_file(engine)
        if existing is None:
            check_passphrase_rules(passphrase)
            key = new_database_key()
            keyfile = KeyFile.create(key, passphrase)
        else:
            keyfile, key = existing, existing.unwrap(passphrase)
        kept = None
        revision = current_revision(db)
        if revision is not None and revision != head_revision():
            # A migration on a server practice keeps a verified-readable copy first.
            keyed = Database(engine, key=key, practice_id=keyfile.practice_id)
            kept = pre_migration_backup(keyed, backup_dir or Path.cwd(), keyfile.to_json())
        upgrade(db, None, lock=server_setup.take_migration_lock)
        with engine.begin() as conn:
            if existing is None:
                conn.execute(insert(PracticeKey).values(id=1, key_file=keyfile.to_json()))
            server_setup.grant_workstations(conn, app_role, app_password)
    except BaseException:
        engine.dispose()
        raise
    engine.dispose()
    owner_db = Database(
        server_engine(url, owner_password, ca_cert=ca_cert),
        key=key,
        practice_id=keyfile.practice_id,
    )
    app_url = address(server_setup.app_url(url, app_role))
    return ServerSetup(owner_db, keyfile.practice_id, existing is None, app_url, kept)


def create_server_practice(
    setup: ServerSetup,
    *,
    practice_name: str,
    admin_username: str,
    admin_full_name: str,
    admin_password: str | None,
) -> str | None:
    """The practice's name and first administrator on a freshly set-up server; returns a
    one-time password when none was given."""
    check_first_admin(practice_name, admin_username, admin_full_name, admin_password)
    with setup.db.reading() as s:
        if s.scalar(select(User.id).limit(1)) is not None:
            raise PracticeError("This server already holds a practice with users.")
    return write_first_rows(
        setup.db, practice_name, admin_username, admin_full_name, admin_password
    )


def after_bulk_load(db: Database) -> None:
    """Move the id counters past rows written with explicit ids (the demo generator)."""
    with db.engine.begin() as conn:
        server_setup.sync_id_counters(conn)


def _password(profile: ServerProfile, provided: Secret | None) -> str:
    """The workstations' password: the keyring's, else the caller's prompt, else
    EMR_SERVER_PASSWORD (a PC without a keyring, a script)."""
    saved = keystore.load_secret(keystore.SERVER_SERVICE, profile.keyring_name())
    if saved:
        return saved
    if provided is None:
        if os.environ.get(SERVER_PASSWORD_ENV):
            return os.environ[SERVER_PASSWORD_ENV]
        raise PracticeError(
            "The practice server's password is needed: set EMR_SERVER_PASSWORD or run in a "
            "terminal."
        )
    return provided()


def join_server(
    data_dir: Path,
    server_url: str,
    password: str,
    passphrase: Secret,
    *,
    ca_cert: Path | None = None,
) -> Database:
    """Make ``data_dir`` (empty or absent) a workstation of the practice on the server.

    Checks the connection, the practice and the passphrase before writing anything; the
    profile then holds no secret, and the password goes into the OS keyring if there is
    one (otherwise it is asked for, or read from EMR_SERVER_PASSWORD, each time).
    """
    url = parse_server_url(server_url)
    require_empty_folder(PracticePaths(data_dir))
    engine = _connected(server_engine(url, password, ca_cert=ca_cert), server_url)
    try:
        keyfile = _stored_key_file(engine)
        if keyfile is None:
            raise PracticeError(
                "That server holds no practice yet: set it up first (emr-admin server setup)."
            )
        key = _unlocked(keyfile, passphrase)
    finally:
        engine.dispose()
    profile = ServerProfile(
        address(url),
        keyfile.practice_id,
        CA_NAME if ca_cert is not None else None,
    )
    profile.write(data_dir, ca_cert)
    keystore.store_secret(keystore.SERVER_SERVICE, profile.keyring_name(), password)
    return open_server_practice(data_dir, lambda: password, lambda: "", key=key)


def _unlocked(keyfile: KeyFile, passphrase: Secret) -> bytes:
    key = keystore.load_key(keyfile.practice_id)
    if key is None or not keyfile.matches(key):
        key = keyfile.unwrap(passphrase())
    keystore.store_key(keyfile.practice_id, key)
    return key


def open_server_practice(
    data_dir: Path,
    password: Secret | None,
    passphrase: Secret | None,
    *,
    key: bytes | None = None,
) -> Database:
    """Open the practice on the server this workstation joined."""
    profile = ServerProfile.read(data_dir)
    url = profile.server_url
    engine = _connected(
        server_engine(url, _password(profile, password), ca_cert=profile.ca_path(data_dir)),
        profile.url,
    )
    try:
        keyfile = _stored_key_file(engine)
        if keyfile is None or keyfile.practice_id != profile.practice_id:
            raise PracticeError(
                "The practice server holds another practice than the one this PC joined; "
                "ask the clinic's IT person, then join again."
            )
        if key is None:
            if passphrase is None:
                found = keystore.load_key(keyfile.practice_id)
                if found is None or not keyfile.matches(found):
                    raise PracticeError("The practice passphrase is needed to open the practice.")
                key = found
            else:
                key = _unlocked(keyfile, passphrase)
        db = Database(engine, None, key, data_dir, keyfile.practice_id)
        revision = current_revision(db)
        if revision != head_revision():
            newer = revision is not None and revision > head_revision()
            raise PracticeError(
                "The practice server runs a newer version of emr-desktop: update this PC."
                if newer
                else "The practice server's database needs upgrading first: run "
                "emr-admin server setup --url OWNER_URL on the server."
            )
    except BaseException:
        engine.dispose()
        raise
    return db
