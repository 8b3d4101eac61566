"""The demo practice has every list of issue 20 populated on first start (both engines)."""

from __future__ import annotations

from conftest import Practice

from emr_desktop.demo.build import DEMO_USERS, demo_password, fill_demo
from emr_desktop.domain.orders import InboxKind
from emr_desktop.domain.security import Role
from emr_desktop.services.orders.orders import OrderService
from emr_desktop.services.practice.auth import AuthService
from emr_desktop.services.recalls.service import RecallService
from emr_desktop.services.worklist.inbox import InboxService


def test_the_demo_has_orders_results_tasks_and_recalls(practice: Practice) -> None:
    fill_demo(practice.db, patients=150, seed=3)
    auth = AuthService(practice.db)
    nurse = next(u for u in DEMO_USERS if u.role is Role.NURSE)
    desk = next(u for u in DEMO_USERS if u.role is Role.RECEPTIONIST)
    nurse_actor = auth.login(nurse.username, demo_password())
    orders = OrderService(practice.db)
    assert orders.open_orders(nurse_actor, overdue_only=True)
    pending = orders.open_orders(nurse_actor)
    assert any(not o.overdue for o in pending)
    kinds: set[InboxKind] = set()
    abnormal = False
    for user in DEMO_USERS:
        if user.role is Role.PHYSICIAN:
            actor = auth.login(user.username, demo_password())
            inbox = InboxService(practice.db).inbox(actor)
            kinds |= {i.kind for i in inbox.items}
            abnormal |= any(
                i.kind is InboxKind.RESULT and i.title.endswith(("H", "L", "HH"))
                for i in inbox.items
            )
    assert {InboxKind.RESULT, InboxKind.OVERDUE_ORDER, InboxKind.TASK} <= kinds
    assert abnormal
    desk_actor = auth.login(desk.username, demo_password())
    assert InboxService(practice.db).inbox(desk_actor).count(InboxKind.TASK)
    assert RecallService(practice.db).due(desk_actor)
