"""The note editor's "follow-up in N weeks" at signing: it becomes a recall."""

from __future__ import annotations

from collections.abc import Callable

from emr_desktop.domain.chart import Note
from emr_desktop.domain.security import Actor, Permission
from emr_desktop.services.recalls.service import RecallService
from emr_desktop.ui.context import Services
from emr_desktop.ui.ops import Operations


def follow_up_hook(
    services: Services, actor: Actor, ops: Operations
) -> Callable[[Note, int], object] | None:
    """What the editor calls after signing with a follow-up chosen (None: not offered)."""
    if not actor.can(Permission.NOTE_SIGN):
        return None
    recalls = RecallService(services.db)

    def follow_up(note: Note, weeks: int) -> object:
        return ops.run(
            lambda: recalls.follow_up(actor, note.patient_id, weeks, encounter_id=note.id),
            changes="recalls",
        )

    return follow_up
