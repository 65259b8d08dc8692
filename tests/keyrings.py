"""A keyring backend for tests that need a working keyring without the real Secret Service.

The real Secret Service (gnome-keyring on a private D-Bus session) is tested in tests/services/test_credentials.py.
"""

from __future__ import annotations

import keyring.backend
import keyring.errors


class DictKeyring(keyring.backend.KeyringBackend):
    """A working keyring backend that keeps items in a dict, so a test can look inside.

    Its priority is -1: importing a backend class registers it for keyring's auto-detection, and a positive priority
    would make keyring pick its chainer over the real Secret Service in other tests.
    """

    priority = -1  # type: ignore[assignment]

    def __init__(self) -> None:
        super().__init__()
        self.items: dict[tuple[str, str], str] = {}

    def get_password(self, service: str, username: str) -> str | None:
        return self.items.get((service, username))

    def set_password(self, service: str, username: str, password: str) -> None:
        self.items[(service, username)] = password

    def delete_password(self, service: str, username: str) -> None:
        if self.items.pop((service, username), None) is None:
            raise keyring.errors.PasswordDeleteError("no such password")
