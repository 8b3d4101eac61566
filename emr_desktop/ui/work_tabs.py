"""Adding issue 20's fixed tabs to a workspace: Home (first; physicians and nurses land
on it), Recalls for whoever works the recall list, Reports for physicians and the manager."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QTabBar

from emr_desktop.domain.security import Permission, Role
from emr_desktop.ui.work_services import WorkServices


def add_work_tabs(workspace: Any) -> None:
    """Insert the tabs this actor may use into ``workspace`` (a Workspace)."""
    actor = workspace.actor
    work = WorkServices(workspace.services)
    workspace.work = work
    added = 0
    if actor.can(Permission.TASK_MANAGE):
        from emr_desktop.ui.inbox.home_view import HomeView

        home = HomeView(work, actor, workspace.ops, workspace.open_patient)
        workspace.home = home
        if workspace.schedule is not None:
            home.go_to_schedule = lambda: workspace.setCurrentWidget(workspace.schedule)
        workspace.insertTab(0, home, "Home")
        added += 1
    if actor.can(Permission.RECALL_WORK):
        from emr_desktop.ui.recalls.recall_view import RecallsView

        recalls = RecallsView(work, actor, workspace.ops, workspace.open_patient)
        workspace.insertTab(workspace.fixed_tabs + added, recalls, "Recalls")
        added += 1
    if actor.can(Permission.REPORT_VIEW):
        from emr_desktop.ui.reports.reports_view import ReportsView

        reports = ReportsView(work, actor, workspace.ops)
        workspace.insertTab(workspace.fixed_tabs + added, reports, "Reports")
        added += 1
    workspace.fixed_tabs += added
    for i in range(workspace.fixed_tabs):
        workspace.tabBar().setTabButton(i, QTabBar.ButtonPosition.RightSide, None)
    if added and actor.can(Permission.TASK_MANAGE):
        workspace.home.refresh()
        if actor.role in (Role.PHYSICIAN, Role.NURSE):
            workspace.setCurrentWidget(workspace.home)
