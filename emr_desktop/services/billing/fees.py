"""The fee schedule: the practice's services and their prices, kept by the manager.

A new price is a new row from a date on; old charges keep the price they were made at,
because a charge copies its unit price when it is recorded.
"""

from __future__ import annotations

import builtins
import datetime as dt
from collections.abc import Callable, Iterable
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.orm import Session

from emr_desktop.domain.billing import FeePrice as FeePriceRow
from emr_desktop.domain.billing import FeeRow
from emr_desktop.domain.money import parse_money
from emr_desktop.domain.security import Actor, Permission
from emr_desktop.errors import NotFound, ValidationError
from emr_desktop.models import Fee, FeePrice
from emr_desktop.persistence.database import Database
from emr_desktop.security.permissions import require
from emr_desktop.services.common import validation as v
from emr_desktop.services.common.audit import record
from emr_desktop.services.common.records import user_names

T = TypeVar("T")
_CODE_CHARS = set("ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.")


def clean_code(value: str) -> str:
    """A fee code: upper-case letters, digits, '-' and '.', up to 20 characters."""
    code = v.text("code", value, max_len=20, required=True).upper()
    if not set(code) <= _CODE_CHARS:
        raise ValidationError("code", "may hold only letters, digits, '-' and '.'")
    return code


class Checks:
    """Runs field validators and raises one ValidationError naming every field refused."""

    def __init__(self) -> None:
        self.bad: list[tuple[str, str]] = []

    def run(self, field: str, check: Callable[[], T], default: T) -> T:
        """``check()``'s value, or ``default`` after noting why ``field`` was refused."""
        try:
            return check()
        except ValidationError as err:
            self.bad.append((field, err.reason))
            return default

    def refuse(self, field: str, reason: str) -> None:
        """Note a refusal found by hand."""
        self.bad.append((field, reason))

    def done(self) -> None:
        """Raise the one error naming every refused field, if any was refused."""
        if self.bad:
            fields = ", ".join(dict.fromkeys(f for f, _ in self.bad))
            raise ValidationError(fields, "; ".join(r for _, r in self.bad))


def prices_on(session: Session, fee_ids: Iterable[int], day: dt.date) -> dict[int, FeePrice]:
    """The price in force on ``day`` of each fee (one query)."""
    ids = list(fee_ids)
    if not ids:
        return {}
    rows = session.scalars(
        select(FeePrice)
        .where(FeePrice.fee_id.in_(ids), FeePrice.effective_from <= day)
        .order_by(FeePrice.fee_id, FeePrice.effective_from, FeePrice.id)
    )
    found: dict[int, FeePrice] = {}
    for row in rows:
        found[row.fee_id] = row  # the last one on or before the day wins
    return found


def fee_rows(session: Session, fees: Iterable[Fee], day: dt.date) -> list[FeeRow]:
    """DTOs of fees with their price on ``day`` (a fee without one yet shows 0.00)."""
    fees = list(fees)
    prices = prices_on(session, (f.id for f in fees), day)
    out = []
    for f in fees:
        p = prices.get(f.id)
        out.append(
            FeeRow(
                f.id,
                f.code,
                f.description,
                p.price_cents if p else 0,
                p.effective_from if p else day,
                f.active,
                day,
            )
        )
    return out


class FeeService:
    """The fee schedule. Everyone in billing reads it; only the manager changes it."""

    def __init__(self, db: Database) -> None:
        self._db = db

    def list(
        self, actor: Actor, *, as_of: dt.date | None = None, include_inactive: bool = False
    ) -> builtins.list[FeeRow]:
        """The services by code, each with its price on ``as_of`` (default today)."""
        require(actor, Permission.BILLING_VIEW)
        day = as_of or dt.date.today()
        with self._db.reading(actor) as s:
            q = select(Fee).order_by(Fee.code)
            if not include_inactive:
                q = q.where(Fee.active.is_(True))
            return fee_rows(s, s.scalars(q), day)

    def history(self, actor: Actor, code: str) -> builtins.list[FeePriceRow]:
        """Every price a service has had, oldest first."""
        require(actor, Permission.BILLING_VIEW)
        with self._db.reading(actor) as s:
            fee = self._fee(s, clean_code(code))
            rows = list(
                s.scalars(
                    select(FeePrice)
                    .where(FeePrice.fee_id == fee.id)
                    .order_by(FeePrice.effective_from, FeePrice.id)
                )
            )
            names = user_names(s, {r.set_by_id for r in rows})
            return [
                FeePriceRow(r.effective_from, r.price_cents, names.get(r.set_by_id or 0, ""))
                for r in rows
            ]

    @staticmethod
    def _fee(s: Session, code: str) -> Fee:
        fee = s.scalar(select(Fee).where(Fee.code == code))
        if fee is None:
            raise NotFound(f"There is no service {code} in the fee schedule.")
        return fee

    def add(
        self,
        actor: Actor,
        code: str,
        description: str,
        price: str,
        *,
        effective_from: dt.date | None = None,
    ) -> FeeRow:
        """Add a service with its first price (from ``effective_from``, default today)."""
        require(actor, Permission.BILLING_FEES)
        c = Checks()
        clean = c.run("code", lambda: clean_code(code), "")
        desc = c.run(
            "description", lambda: v.text("d", description, max_len=200, required=True), ""
        )
        cents = c.run("price", lambda: parse_money("price", price, allow_zero=True), 0)
        c.done()
        day = effective_from or dt.date.today()
        with self._db.unit_of_work(actor) as s:
            if s.scalar(select(Fee.id).where(Fee.code == clean)) is not None:
                raise ValidationError("code", f"{clean} is already in the fee schedule")
            fee = Fee(code=clean, description=desc, active=True)
            s.add(fee)
            s.flush()
            s.add(
                FeePrice(
                    fee_id=fee.id, effective_from=day, price_cents=cents, set_by_id=actor.user_id
                )
            )
            s.flush()
            record(s, actor, "billing_fee_add", entity="billing_fee", entity_id=fee.id)
            return fee_rows(s, [fee], day)[0]

    def set_price(
        self, actor: Actor, code: str, price: str, *, effective_from: dt.date | None = None
    ) -> FeeRow:
        """A new price for a service from a day on; charges already made keep theirs."""
        require(actor, Permission.BILLING_FEES)
        c = Checks()
        clean = c.run("code", lambda: clean_code(code), "")
        cents = c.run("price", lambda: parse_money("price", price, allow_zero=True), 0)
        c.done()
        day = effective_from or dt.date.today()
        with self._db.unit_of_work(actor) as s:
            fee = self._fee(s, clean)
            s.add(
                FeePrice(
                    fee_id=fee.id, effective_from=day, price_cents=cents, set_by_id=actor.user_id
                )
            )
            s.flush()
            record(
                s,
                actor,
                "billing_fee_price",
                entity="billing_fee",
                entity_id=fee.id,
                details={"effective_from": day.isoformat(), "price_cents": cents},
            )
            return fee_rows(s, [fee], day)[0]

    def set_active(self, actor: Actor, code: str, active: bool) -> FeeRow:
        """Retire a service (it is no longer offered for new charges) or bring it back."""
        require(actor, Permission.BILLING_FEES)
        with self._db.unit_of_work(actor) as s:
            fee = self._fee(s, clean_code(code))
            fee.active = active
            s.flush()
            action = "billing_fee_activate" if active else "billing_fee_retire"
            record(s, actor, action, entity="billing_fee", entity_id=fee.id)
            return fee_rows(s, [fee], dt.date.today())[0]
