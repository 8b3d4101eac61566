"""The setup wizard's first choice (a new practice here, or join the practice server) and
the page that joins this PC to the practice server."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtWidgets import (
    QButtonGroup,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QRadioButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
    QWizardPage,
)

from emr_desktop.errors import EmrError, ValidationError
from emr_desktop.services.practice.server_practice import join_server
from emr_desktop.services.practice.store import Database

_SERVER_HELP = (
    "A practice with several PCs keeps its record on one PostgreSQL server; the clinic's "
    "IT person set it up with <code>emr-admin server setup</code> and can give you these "
    "details. The password is kept in this computer's keyring, never in a file."
)


class ChoicePage(QWizardPage):
    """How this PC will be used: a practice of its own, or a workstation of the server."""

    def __init__(self) -> None:
        super().__init__()
        self.setTitle("Welcome to emr-desktop")
        self.setSubTitle("How will this computer be used?")
        self.new_here = QRadioButton(
            "A &new practice on this PC (one computer, everything stored here, encrypted)"
        )
        self.join = QRadioButton(
            "This PC &joins the practice server (a practice with several computers)"
        )
        self.new_here.setChecked(True)
        group = QButtonGroup(self)
        group.addButton(self.new_here)
        group.addButton(self.join)
        box = QVBoxLayout(self)
        box.addWidget(self.new_here)
        box.addWidget(self.join)
        box.addStretch(1)


def password_edit(name: str) -> QLineEdit:
    """A line edit that hides what is typed."""
    edit = QLineEdit()
    edit.setEchoMode(QLineEdit.EchoMode.Password)
    edit.setAccessibleName(name)
    return edit


class JoinPage(QWizardPage):
    """Where the practice server is, how to prove it is the right one, and the passphrase."""

    def __init__(self, data_dir: Path) -> None:
        super().__init__()
        self.data_dir = data_dir
        self.database: Database | None = None
        self.setTitle("Join the practice server")
        self.setSubTitle("Every PC of the practice then works on the same record.")
        form = QFormLayout(self)
        help_text = QLabel(_SERVER_HELP)
        help_text.setWordWrap(True)
        form.addRow(help_text)
        self.host = QLineEdit()
        self.host.setPlaceholderText("e.g. emr-server.clinic.lan")
        self.port = QSpinBox()
        self.port.setRange(1, 65535)
        self.port.setValue(5432)
        self.database_name = QLineEdit("emr")
        self.role = QLineEdit("emr_app")
        self.password = password_edit("Server password")
        self.ca_cert = QLineEdit()
        self.ca_cert.setPlaceholderText("needed when the server is on the network")
        browse = QPushButton("Choose…")
        browse.clicked.connect(self._on_browse_clicked)
        cert_row = QWidget()
        row = QHBoxLayout(cert_row)
        row.setContentsMargins(0, 0, 0, 0)
        row.addWidget(self.ca_cert, 1)
        row.addWidget(browse)
        self.passphrase = password_edit("Practice passphrase")
        for label, widget in (
            ("Server *", self.host),
            ("Port", self.port),
            ("Database", self.database_name),
            ("Role", self.role),
            ("Password *", self.password),
            ("Server root certificate", cert_row),
            ("Practice passphrase *", self.passphrase),
        ):
            if not widget.accessibleName():
                widget.setAccessibleName(label.rstrip(" *"))
            form.addRow(label, widget)
        self.error = QLabel()
        self.error.setStyleSheet("color: #b00020;")
        self.error.setWordWrap(True)
        self.error.setAccessibleName("Join error")
        form.addRow(self.error)

    def _on_browse_clicked(self) -> None:
        path, _ = QFileDialog.getOpenFileName(
            self, "The server's root certificate", str(Path.home()), "Certificates (*.pem *.crt)"
        )
        if path:
            self.ca_cert.setText(path)

    def address(self) -> str:
        """The workstations' address from the fields (no password in it)."""
        host = self.host.text().strip()
        if ":" in host and not host.startswith("["):
            host = f"[{host}]"  # an IPv6 address
        return (
            f"postgresql+psycopg://{self.role.text().strip()}@{host}:{self.port.value()}"
            f"/{self.database_name.text().strip()}"
        )

    def validatePage(self) -> bool:
        """Join when Finish is pressed; every missing field and any refusal stay on the page."""
        missing = [
            name
            for name, edit in (
                ("server", self.host),
                ("password", self.password),
                ("practice passphrase", self.passphrase),
            )
            if not edit.text().strip()
        ]
        if missing:
            self.error.setText("Please fill in: " + ", ".join(missing) + ".")
            return False
        cert = (
            Path(self.ca_cert.text().strip()).expanduser() if self.ca_cert.text().strip() else None
        )
        phrase = self.passphrase.text()
        try:
            self.database = join_server(
                self.data_dir, self.address(), self.password.text(), lambda: phrase, ca_cert=cert
            )
        except ValidationError as err:
            self.error.setText(f"{err.field.capitalize()}: {err.reason}.")
            return False
        except EmrError as err:
            self.error.setText(err.message)
            return False
        return True
