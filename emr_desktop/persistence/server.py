"""A practice on a PostgreSQL server: addresses, connection profiles, TLS and engines.

A workstation that joins the practice server keeps a small profile in its data folder
(``server.json``): the server address without any password, the TLS root certificate it
trusts, and the practice's id. The password of the workstations' role lives in the OS
keyring, or comes from ``EMR_SERVER_PASSWORD`` or a prompt; it is never written to a file.

Every connection to a host other than this computer requires TLS and verifies the
server's certificate and name (``sslmode=verify-full``) against the root certificate the
profile names. On the loopback interface TLS is used when a certificate is given.

Writers serialise on one transaction-level advisory lock taken before anything else,
the order SQLite's BEGIN IMMEDIATE gives the embedded database: no two write paths can
take row locks in opposite orders, so booking, chart opening, signing and vitals never
deadlock. Reads that write nothing run as READ ONLY transactions and take no lock.

Every round trip counts over a network: a read-only transaction starts with one
``BEGIN READ ONLY`` (not BEGIN, then SET TRANSACTION), and a pooled connection is pinged only
when it has sat idle long enough for a server restart or a dropped link to have happened.
"""

from __future__ import annotations

import ipaddress
import json
import os
import shutil
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL, make_url
from sqlalchemy.exc import ArgumentError, DisconnectionError

from emr_desktop.errors import PracticeError, ValidationError

PROFILE_NAME = "server.json"
CA_NAME = "server-ca.pem"
PROFILE_FORMAT = "emr-desktop-server"
APP_ROLE = "emr_app"
# Keys of the advisory locks (any fixed 64-bit numbers; these spell "EMR" + a digit).
WRITE_LOCK = 0x454D5201
MIGRATE_LOCK = 0x454D5202
# A pooled connection idle longer than this is pinged before use (see _ping_when_idle).
PING_AFTER_IDLE_S = 20.0
LOCK_TIMEOUT_MS = 15000  # as long as SQLite's busy timeout
_SCHEMES = ("postgresql", "postgresql+psycopg", "postgres")


def looks_like_url(text: str) -> bool:
    """Whether ``text`` is a server address rather than a folder."""
    return "://" in text or text.lower().startswith(("postgres:", "postgresql:"))


def parse_server_url(text: str, *, field: str = "server") -> URL:
    """A PostgreSQL address (``postgresql+psycopg://role@host:port/database``).

    Refuses an address with a password in it: it would stay in the shell's history and
    in files; the password comes from the environment, the keyring or a prompt instead.
    """
    try:
        url = make_url(text.strip())
    except (ArgumentError, ValueError):
        raise ValidationError(field, f"{text!r} is not a server address") from None
    if url.drivername not in _SCHEMES:
        raise ValidationError(
            field, "must be a PostgreSQL address like postgresql+psycopg://emr_app@host/emr"
        )
    if url.password is not None:
        raise ValidationError(
            field,
            "must not contain the password (it would be kept in the shell history): give it "
            "in EMR_SERVER_PASSWORD or type it when asked",
        )
    missing = [n for n in ("username", "host", "database") if not getattr(url, n)]
    if missing:
        raise ValidationError(field, "needs a role, a host and a database: " + ", ".join(missing))
    return url.set(drivername="postgresql+psycopg")


def without_password(url: URL) -> URL:
    """The same address with no password in it (``URL.set(password=None)`` keeps it)."""
    return URL.create(url.drivername, url.username, None, url.host, url.port, url.database)


def address(url: URL) -> str:
    """The address as text, never with a password."""
    return without_password(url).render_as_string(hide_password=False)


def is_loopback(host: str | None) -> bool:
    """Whether ``host`` is this computer (where the connection never leaves the machine)."""
    if not host or host == "localhost" or host.startswith("/"):
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def tls_args(url: URL, ca_cert: Path | None) -> dict[str, str]:
    """libpq's TLS settings for ``url``: verify-full away from loopback (refused without a
    root certificate), verify-full on loopback when a certificate is given."""
    if ca_cert is not None:
        if not ca_cert.is_file():
            raise PracticeError(f"The server's root certificate {ca_cert} is missing.")
        return {"sslmode": "verify-full", "sslrootcert": str(ca_cert)}
    if not is_loopback(url.host):
        raise PracticeError(
            f"The practice server {url.host} is on the network, so the connection must be "
            "encrypted and the server's certificate checked: give the server's root "
            "certificate (--ca-cert FILE, from the clinic's IT person)."
        )
    return {"sslmode": "prefer"}


def server_engine(url: URL, password: str, *, ca_cert: Path | None = None, **kw: Any) -> Engine:
    """An engine on the practice server with the house rules (see the module docstring)."""
    args = {
        **tls_args(url, ca_cert),
        "connect_timeout": "10",
        "application_name": "emr-desktop",
        "options": f"-c lock_timeout={LOCK_TIMEOUT_MS} -c idle_in_transaction_session_timeout=6e5",
    }
    engine = create_engine(
        url.set(password=password),
        hide_parameters=True,  # error messages must never carry patient data
        connect_args=args,
        **kw,
    )
    _ping_when_idle(engine)

    @event.listens_for(engine, "begin")
    def _on_begin(conn: Any) -> None:
        dbapi = conn.connection.dbapi_connection
        if conn.get_execution_options().get("emr_read_only", False):
            # psycopg then opens the transaction with one "BEGIN READ ONLY".
            dbapi.read_only = True
            return
        dbapi.read_only = False
        # On the driver's own cursor, like SQLite's BEGIN: the transaction's first statement.
        cursor = dbapi.cursor()
        try:
            cursor.execute(f"SELECT pg_advisory_xact_lock({WRITE_LOCK})")
        finally:
            cursor.close()

    return engine


def _ping_when_idle(engine: Engine) -> None:
    """Ping a pooled connection at checkout only when it has been idle a while.

    SQLAlchemy's ``pool_pre_ping`` pings at every checkout: one round trip more for every
    user action. A connection used a moment ago is alive; one idle past PING_AFTER_IDLE_S
    is checked, and a dead one is replaced by the pool before the action's first statement.
    """

    @event.listens_for(engine, "checkin")
    def _idle_from(dbapi: Any, record: Any) -> None:
        record.info["idle_since"] = time.monotonic()

    @event.listens_for(engine, "checkout")
    def _check(dbapi: Any, record: Any, proxy: Any) -> None:
        since = record.info.get("idle_since")
        if since is None or time.monotonic() - since < PING_AFTER_IDLE_S:
            return
        try:
            cursor = dbapi.cursor()
            try:
                cursor.execute("SELECT 1")
            finally:
                cursor.close()
            dbapi.rollback()
        except Exception as err:
            raise DisconnectionError("the practice server connection was lost") from err


@dataclass(frozen=True)
class ServerProfile:
    """How this workstation reaches the practice server (no secret in it)."""

    url: str
    practice_id: str
    ca_cert: str | None = None  # file name inside the data folder

    @staticmethod
    def path(data_dir: Path) -> Path:
        """Where the profile lives in a data folder."""
        return data_dir / PROFILE_NAME

    @classmethod
    def exists(cls, data_dir: Path) -> bool:
        """Whether ``data_dir`` is a workstation joined to a server."""
        return cls.path(data_dir).is_file()

    @property
    def server_url(self) -> URL:
        """The address, parsed."""
        return parse_server_url(self.url)

    def ca_path(self, data_dir: Path) -> Path | None:
        """The root certificate this workstation trusts, if any."""
        return data_dir / self.ca_cert if self.ca_cert else None

    def keyring_name(self) -> str:
        """The keyring entry of the workstations' role password (no secret in the name)."""
        u = self.server_url
        return f"{u.username}@{u.host}:{u.port or 5432}/{u.database}"

    @classmethod
    def read(cls, data_dir: Path) -> ServerProfile:
        """Read the profile; PracticeError naming the problem when it is damaged."""
        try:
            doc = json.loads(cls.path(data_dir).read_text(encoding="utf-8"))
            if doc.get("format") != PROFILE_FORMAT:
                raise ValueError("not a profile")
            return cls(str(doc["url"]), str(doc["practice_id"]), doc.get("ca_cert"))
        except FileNotFoundError:
            raise PracticeError(f"{data_dir} has not joined a practice server.") from None
        except (ValueError, KeyError, TypeError, UnicodeDecodeError):
            raise PracticeError(
                f"The server profile in {data_dir} is damaged; join the server again "
                "(emr-admin join --server URL)."
            ) from None

    def write(self, data_dir: Path, ca_source: Path | None = None) -> None:
        """Write the profile (and a copy of the root certificate) atomically."""
        data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
        if ca_source is not None:
            shutil.copyfile(ca_source, data_dir / CA_NAME)
        doc = {"format": PROFILE_FORMAT, "version": 1, "url": self.url}
        doc |= {"practice_id": self.practice_id, "ca_cert": self.ca_cert}
        tmp = self.path(data_dir).with_suffix(".tmp")
        tmp.unlink(missing_ok=True)
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w", encoding="utf-8") as fh:
            fh.write(json.dumps(doc, indent=2))
        os.replace(tmp, self.path(data_dir))


def connect_failure(err: BaseException, url: URL) -> PracticeError:
    """The sentence for a connection that failed (never the driver's raw text)."""
    text = str(getattr(err, "orig", err)).lower()
    where = f"{url.host}:{url.port or 5432}"
    if "password authentication failed" in text or "no password supplied" in text:
        return PracticeError(
            f"The practice server refused the password of {url.username}. Check "
            "EMR_SERVER_PASSWORD (or the saved password) with the clinic's IT person."
        )
    if "does not exist" in text and "database" in text:
        return PracticeError(f"The practice server {where} has no database {url.database}.")
    if "certificate" in text or "ssl" in text:
        return PracticeError(
            f"The practice server {where} could not be verified: its certificate does not "
            "match the root certificate or the server name. Nothing was sent."
        )
    return PracticeError(
        f"The practice server {where} cannot be reached. Check the network and that the "
        "server is running."
    )
