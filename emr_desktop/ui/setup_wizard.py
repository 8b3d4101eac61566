"""First run: a new practice here (details, first administrator, passphrase) or this PC
joining the practice server."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QFileDialog,
    QFormLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QWizard,
    QWizardPage,
)

from emr_desktop.domain.practice import PracticeDetails
from emr_desktop.errors import EmrError, ValidationError
from emr_desktop.reports.recovery_sheet import recovery_sheet_pdf
from emr_desktop.services.practice.auth import AuthService
from emr_desktop.services.practice.details import PracticeService
from emr_desktop.services.practice.store import Database, create_practice, practice_id
from emr_desktop.ui.join_page import ChoicePage, JoinPage, password_edit

_EXPLAIN = (
    "The practice passphrase protects the key of the encrypted database and of every "
    "backup. This computer remembers the key in its keyring; a new computer (or one "
    "without a keyring) asks for the passphrase once. <b>If it is lost, the data cannot be "
    "recovered by anyone.</b> Use at least 12 characters, and keep it on paper in a safe "
    "place: the recovery sheet offered below has a box for it."
)


CHOICE, PRACTICE, ADMIN, SECRET, JOIN = range(5)


class SetupWizard(QWizard):
    """Creates the practice; ``database`` holds it after accept()."""

    def __init__(self, data_dir: Path) -> None:
        super().__init__()
        self.setWindowTitle("Set up emr-desktop")
        self.data_dir = data_dir
        self.database: Database | None = None
        self.fields: dict[str, QLineEdit] = {}

        practice = QWizardPage()
        practice.setTitle("Your practice")
        practice.setSubTitle("These details print on letters, prescriptions and exports.")
        form = QFormLayout(practice)
        for key, label in (
            ("name", "Practice name *"),
            ("address_line1", "Address"),
            ("city", "City"),
            ("state", "State"),
            ("postal_code", "Postal code"),
            ("phone", "Phone"),
            ("fax", "Fax"),
        ):
            self.fields[key] = QLineEdit()
            self.fields[key].setAccessibleName(label.rstrip(" *"))
            form.addRow(label, self.fields[key])

        admin = QWizardPage()
        admin.setTitle("The first administrator")
        admin.setSubTitle("The practice manager's account: users, audit report, backups.")
        form = QFormLayout(admin)
        self.fields["username"] = QLineEdit("admin")
        self.fields["username"].setAccessibleName("Administrator username")
        self.fields["full_name"] = QLineEdit()
        self.fields["full_name"].setAccessibleName("Administrator full name")
        self.fields["password"] = password_edit("Administrator password")
        self.fields["password2"] = password_edit("Repeat the administrator password")
        form.addRow("Username", self.fields["username"])
        form.addRow("Full name", self.fields["full_name"])
        form.addRow("Password", self.fields["password"])
        form.addRow("Repeat password", self.fields["password2"])

        secret = QWizardPage()
        secret.setTitle("Practice passphrase")
        form = QFormLayout(secret)
        explain = QLabel(_EXPLAIN)
        explain.setWordWrap(True)
        form.addRow(explain)
        self.fields["passphrase"] = password_edit("Practice passphrase")
        self.fields["passphrase2"] = password_edit("Repeat the practice passphrase")
        form.addRow("Passphrase", self.fields["passphrase"])
        form.addRow("Repeat passphrase", self.fields["passphrase2"])
        self.sheet = QCheckBox("Save a printable recovery sheet (PDF) when done")
        self.sheet.setChecked(True)
        form.addRow(self.sheet)
        self.error = QLabel()
        self.error.setStyleSheet("color: #b00020;")
        self.error.setWordWrap(True)
        self.error.setAccessibleName("Setup error")
        form.addRow(self.error)
        self.choice = ChoicePage()
        self.join = JoinPage(data_dir)
        for number, page in enumerate((self.choice, practice, admin, secret, self.join)):
            self.setPage(number, page)

    def nextId(self) -> int:
        """Qt override: the choice leads to the new-practice pages or the join page."""
        page = self.currentId()
        if page == CHOICE:
            return PRACTICE if self.choice.new_here.isChecked() else JOIN
        if page in (SECRET, JOIN):
            return -1
        return page + 1

    def accept(self) -> None:
        """Qt override: the joined server's database, when that was the choice."""
        if self.join.database is not None:
            self.database = self.join.database
        super().accept()

    def validateCurrentPage(self) -> bool:
        """Create the practice when the last page is confirmed; errors stay on the page."""
        f = {k: e.text() for k, e in self.fields.items()}
        page = self.currentId()
        if page in (CHOICE, JOIN):
            return super().validateCurrentPage()
        if page == PRACTICE and not f["name"].strip():
            QMessageBox.warning(self, "Practice name", "The practice name is required.")
            return False
        if page == ADMIN and f["password"] != f["password2"]:
            QMessageBox.warning(self, "Password", "The two passwords do not match.")
            return False
        if page != SECRET:
            return True
        if f["passphrase"] != f["passphrase2"]:
            self.error.setText("The two passphrases do not match.")
            return False
        try:
            self.database = self.make_practice(f)
        except ValidationError as err:
            self.error.setText(f"{err.field.capitalize()}: {err.reason}.")
            return False
        except EmrError as err:
            self.error.setText(err.message)
            return False
        return True

    def make_practice(self, f: dict[str, str]) -> Database:
        """Make the practice, store its details and offer the recovery sheet."""
        db, _ = create_practice(
            self.data_dir,
            practice_name=f["name"],
            admin_username=f["username"],
            admin_full_name=f["full_name"] or f["username"],
            admin_password=f["password"],
            passphrase=f["passphrase"],
        )
        admin = AuthService(db).login(f["username"], f["password"])
        details = PracticeDetails(
            **{
                k: f[k].strip()
                for k in ("name", "address_line1", "city", "state", "postal_code", "phone", "fax")
            }
        )
        try:
            PracticeService(db).update_details(admin, details)
        except ValidationError as err:
            QMessageBox.information(
                self,
                "Practice details",
                f"The practice was created; one detail was not saved ({err.field}: "
                f"{err.reason}). Correct it in Admin > Settings.",
            )
        if self.sheet.isChecked():
            self.save_sheet(f["name"], f["username"])
        return db

    def save_sheet(self, name: str, username: str) -> None:
        """Ask where to save the recovery sheet and write it (no passphrase in it)."""
        path, _ = QFileDialog.getSaveFileName(
            self,
            "Save the recovery sheet",
            str(Path.home() / "emr-recovery-sheet.pdf"),
            "PDF (*.pdf)",
        )
        if not path:
            return
        Path(path).write_bytes(
            recovery_sheet_pdf(
                practice_name=name,
                practice_id=practice_id(self.data_dir),
                data_dir=str(self.data_dir),
                admin_username=username,
            )
        )
