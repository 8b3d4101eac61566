"""The one way the UI runs service calls: busy cursor, typed errors shown in plain words,
one ``data_changed`` signal so open views refresh, and background work for long jobs."""

from __future__ import annotations

import logging
from collections.abc import Callable
from typing import Any, TypeVar

from PySide6.QtCore import QObject, QRunnable, Qt, QThreadPool, Signal
from PySide6.QtWidgets import QApplication, QMessageBox, QWidget

from emr_desktop.errors import (
    BusyError,
    ConflictError,
    DuplicateError,
    EmrError,
    LockedRecordError,
    NotFound,
    PermissionDenied,
    SessionEnded,
    ValidationError,
)

T = TypeVar("T")
log = logging.getLogger("emr_desktop.ui")

_TITLES: dict[type[EmrError], str] = {
    SessionEnded: "Signed out",
    BusyError: "Please try again",
    ValidationError: "Please check the form",
    PermissionDenied: "Not allowed",
    ConflictError: "Changed by someone else",
    LockedRecordError: "Record is locked",
    NotFound: "Not found",
    DuplicateError: "Possible duplicate",
}


def error_title(err: EmrError) -> str:
    """A short title for the message box of ``err``."""
    for cls, title in _TITLES.items():
        if isinstance(err, cls):
            return title
    return "Something went wrong"


class Operations(QObject):
    """Runs service calls for one window and reports their errors in one place."""

    data_changed = Signal(str)

    def __init__(self, parent: QWidget) -> None:
        super().__init__(parent)
        self._parent = parent
        self._pool = QThreadPool.globalInstance()
        # The pool deletes a finished job; its signal object must outlive it until the
        # queued result reaches this (GUI) thread, so running jobs' signals are kept here.
        self._running: set[_JobSignals] = set()
        # Told of every error shown, so refused actions reach the audit log.
        self.on_refused: Callable[[EmrError], object] | None = None

    def run(
        self,
        call: Callable[[], T],
        *,
        changes: str | None = None,
        on_validation: Callable[[ValidationError], None] | None = None,
        quiet: tuple[type[EmrError], ...] = (),
    ) -> T | None:
        """Run ``call`` now with a busy cursor; None when it failed (the user was told).

        ``on_validation`` lets a form show a ValidationError beside its field instead of
        a message box; errors listed in ``quiet`` are re-raised for the caller to handle.
        """
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            result = call()
        except quiet:
            raise
        except ValidationError as err:
            if on_validation is not None:
                on_validation(err)
            else:
                self.show_error(err)
            return None
        except EmrError as err:
            self.show_error(err)
            return None
        except Exception as err:  # a bug: the user gets a calm message, the log the details
            log.exception("unexpected error in a UI operation")
            self.show_error(EmrError(f"An unexpected error occurred ({type(err).__name__})."))
            return None
        finally:
            QApplication.restoreOverrideCursor()
        if changes:
            self.data_changed.emit(changes)
        return result

    def show_error(self, err: EmrError) -> None:
        """Tell the user what went wrong, in words a receptionist understands."""
        log.info("operation refused: %s", type(err).__name__)
        if self.on_refused is not None:
            try:
                self.on_refused(err)
            except EmrError:  # the audit row could not be written: still tell the user
                log.warning("a refusal could not be audited")
        QMessageBox.warning(self._parent, error_title(err), err.message)

    def run_in_background(
        self,
        call: Callable[[Callable[[int, str], None]], Any],
        on_done: Callable[[Any], None],
        *,
        on_progress: Callable[[int, str], None] | None = None,
        on_failed: Callable[[EmrError], bool] | None = None,
        changes: str | None = None,
    ) -> None:
        """Run a long job (backup, export) in the thread pool; it gets a progress callback.

        The job must open its own unit of work (services do); results and errors come
        back on the GUI thread. ``on_failed`` may handle an error itself (return True);
        otherwise it is shown like any other.
        """
        job = _Job(call)
        signals = job.signals
        self._running.add(signals)
        if on_progress is not None:
            signals.progress.connect(on_progress)

        def finished(result: object) -> None:
            self._running.discard(signals)
            if changes:
                self.data_changed.emit(changes)
            on_done(result)

        def failed(err: EmrError) -> None:
            self._running.discard(signals)
            if on_failed is None or not on_failed(err):
                self.show_error(err)

        signals.done.connect(finished)
        signals.failed.connect(failed)
        self._pool.start(job)


class _JobSignals(QObject):
    progress = Signal(int, str)
    done = Signal(object)
    failed = Signal(object)


class _Job(QRunnable):
    def __init__(self, call: Callable[[Callable[[int, str], None]], Any]) -> None:
        super().__init__()
        self.call = call
        self.signals = _JobSignals()

    def run(self) -> None:
        try:
            result = self.call(self.signals.progress.emit)
        except EmrError as err:
            self.signals.failed.emit(err)
        except Exception as err:
            log.exception("unexpected error in a background job")
            self.signals.failed.emit(
                EmrError(f"An unexpected error occurred ({type(err).__name__}).")
            )
        else:
            self.signals.done.emit(result)
