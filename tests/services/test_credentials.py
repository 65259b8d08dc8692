"""Passwords in the real Secret Service keyring, and the memory-only fallback when no keyring is usable."""

from __future__ import annotations

import dataclasses
import logging
import os
import pickle
from collections.abc import Iterator
from pathlib import Path

import keyring
import keyring.backend
import keyring.backends.fail
import keyring.errors
import pytest

from vmconsole_gui.services.settings import (
    SERVICE_NAME,
    AppPaths,
    ConfigStore,
    ConnectionProfile,
    CredentialStore,
    ProfileStore,
    Secret,
    keyring_username,
)

PASSWORD = "s3cret-Pässwörd-%s-!"
REAL_KEYRING = os.environ.get("VMCONSOLE_TEST_REAL_KEYRING") == "1"
needs_real_keyring = pytest.mark.skipif(
    not REAL_KEYRING,
    reason="needs a real Secret Service: run via scripts/test.sh (dbus-run-session + unlocked gnome-keyring-daemon, "
    "VMCONSOLE_TEST_REAL_KEYRING=1)",
)


class _FailingKeyring(keyring.backend.KeyringBackend):
    """A backend that exists but refuses to store (like a locked collection). priority -1: never auto-selected."""

    priority = -1  # type: ignore[assignment]

    def get_password(self, service: str, username: str) -> str | None:
        return None

    def set_password(self, service: str, username: str, password: str) -> None:
        raise keyring.errors.PasswordSetError("Failed to unlock the collection!")

    def delete_password(self, service: str, username: str) -> None:
        raise keyring.errors.PasswordDeleteError("No such password!")


def _profile(**changes: object) -> ConnectionProfile:
    base = ConnectionProfile(name="Lab", host="vc01.example.com", username="administrator@vsphere.local")
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


@pytest.fixture
def user_dirs(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AppPaths:
    """Point every XDG directory except XDG_DATA_HOME (gnome-keyring's own) into tmp_path."""
    for name in ("CONFIG", "CACHE", "STATE"):
        monkeypatch.setenv(f"XDG_{name}_HOME", str(tmp_path / name.lower()))
    return AppPaths.for_user()


@pytest.fixture
def swap_keyring() -> Iterator[None]:
    """Restore whatever keyring backend was active before the test."""
    previous = keyring.get_keyring()
    try:
        yield
    finally:
        keyring.set_keyring(previous)


def _files_containing(root: Path, needle: str) -> list[Path]:
    data = needle.encode()
    return [p for p in root.rglob("*") if p.is_file() and data in p.read_bytes()]


def _unique_password(request: pytest.FixtureRequest) -> str:
    return PASSWORD % request.node.name


# ---------------------------------------------------------------- real Secret Service


@pytest.mark.keyring
@needs_real_keyring
def test_backend_is_the_real_secret_service() -> None:
    backend = keyring.get_keyring()
    assert type(backend).__module__ == "keyring.backends.SecretService"
    assert type(backend).__name__ == "Keyring"
    assert CredentialStore().backend_name() == "keyring.backends.SecretService.Keyring"


@pytest.mark.keyring
@needs_real_keyring
@pytest.mark.asyncio
async def test_round_trip_in_secret_service(user_dirs: AppPaths, request: pytest.FixtureRequest) -> None:
    password = _unique_password(request)
    config = ConfigStore(user_dirs.config_file)
    profile = ProfileStore(config).add(_profile())
    store = CredentialStore()
    assert await store.probe() is True
    assert await store.get_password(profile) is None
    assert await store.set_password(profile, password) is True
    # Ask the keyring directly, bypassing the store: the item really is in the Secret Service.
    assert keyring.get_password(SERVICE_NAME, keyring_username(profile)) == password
    got = await store.get_password(profile)
    assert got is not None
    assert got.reveal() == password
    assert await store.get_password(_profile(id="other-profile")) is None  # entries are per profile
    await config.save_async()
    assert _files_containing(user_dirs.config_dir, password) == []
    assert user_dirs.config_file.exists()
    await store.delete_password(profile)
    assert keyring.get_password(SERVICE_NAME, keyring_username(profile)) is None
    assert await store.get_password(profile) is None
    await store.delete_password(profile)  # deleting again is not an error
    assert store.keyring_available
    assert store.take_notice() is None


@pytest.mark.keyring
@needs_real_keyring
@pytest.mark.asyncio
async def test_session_only_password_is_not_saved(request: pytest.FixtureRequest) -> None:
    password = _unique_password(request)
    profile = _profile()
    store = CredentialStore()
    assert await store.set_password(profile, password, persist=False) is False
    assert keyring.get_password(SERVICE_NAME, keyring_username(profile)) is None
    got = await store.get_password(profile)
    assert got is not None
    assert got.reveal() == password
    assert await CredentialStore().get_password(profile) is None


# ---------------------------------------------------------------- no usable keyring


@pytest.mark.allow_log_warnings
@pytest.mark.asyncio
async def test_no_backend_means_memory_only(
    user_dirs: AppPaths, tmp_path: Path, swap_keyring: None, request: pytest.FixtureRequest
) -> None:
    keyring.set_keyring(keyring.backends.fail.Keyring())
    password = _unique_password(request)
    config = ConfigStore(user_dirs.config_file)
    profile = ProfileStore(config).add(_profile())
    store = CredentialStore()
    assert await store.probe() is False
    assert store.keyring_available is False
    notice = store.take_notice()
    assert notice == (
        "No system keyring is available (no keyring backend was found); passwords will be asked once per session "
        "and kept in memory only."
    )
    assert store.take_notice() is None  # shown once
    assert store.unavailable_message == notice
    assert await store.set_password(profile, password) is False
    got = await store.get_password(profile)
    assert got is not None
    assert got.reveal() == password
    assert await CredentialStore().get_password(profile) is None  # another session knows nothing
    await config.save_async()
    assert _files_containing(tmp_path, password) == []
    await store.delete_password(profile)
    assert await store.get_password(profile) is None


@pytest.mark.allow_log_warnings
@pytest.mark.asyncio
async def test_backend_that_refuses_to_store_falls_back_to_memory(
    tmp_path: Path, swap_keyring: None, caplog: pytest.LogCaptureFixture, request: pytest.FixtureRequest
) -> None:
    keyring.set_keyring(_FailingKeyring())
    password = _unique_password(request)
    profile = _profile()
    store = CredentialStore()
    assert await store.probe() is True  # a backend exists; it fails only when used
    with caplog.at_level(logging.WARNING):
        assert await store.set_password(profile, password) is False
    assert store.keyring_available is False
    notice = store.take_notice()
    assert notice is not None
    assert "(PasswordSetError: Failed to unlock the collection!)" in notice
    assert "kept in memory only" in notice
    got = await store.get_password(profile)
    assert got is not None
    assert got.reveal() == password
    assert password not in caplog.text
    assert _files_containing(tmp_path, password) == []


@pytest.mark.allow_log_warnings
@pytest.mark.asyncio
async def test_locked_keyring_on_read_falls_back(swap_keyring: None) -> None:
    class LockedKeyring(_FailingKeyring):
        def get_password(self, service: str, username: str) -> str | None:
            raise keyring.errors.KeyringLocked("Failed to unlock the item!")

    keyring.set_keyring(LockedKeyring())
    store = CredentialStore()
    assert await store.get_password(_profile()) is None
    assert store.keyring_available is False
    assert "KeyringLocked" in (store.take_notice() or "")


@pytest.mark.asyncio
async def test_explicit_backend_and_missing_entry_delete() -> None:
    store = CredentialStore(backend=_FailingKeyring())
    await store.delete_password(_profile())  # PasswordDeleteError for a missing entry is not a failure
    assert store.keyring_available is True


# ---------------------------------------------------------------- Secret and key names


def test_secret_never_shows_its_value() -> None:
    secret = Secret(PASSWORD)
    for text in (repr(secret), str(secret), f"{secret}", f"{secret!r}", repr([secret]), repr({"pw": secret})):
        assert PASSWORD not in text
        assert "****" in text
    assert secret.reveal() == PASSWORD
    assert Secret.of(secret) is secret
    assert Secret.of("x").reveal() == "x"
    with pytest.raises(TypeError, match="cannot be pickled"):
        pickle.dumps(secret)


def test_keyring_username_is_unique_per_profile_and_bound_to_target() -> None:
    a = _profile(id="a")
    assert keyring_username(a) == "administrator@vsphere.local@vc01.example.com:443 [a]"
    assert keyring_username(_profile(id="b")) != keyring_username(a)
    assert keyring_username(dataclasses.replace(a, host="vc02.example.com")) != keyring_username(a)
    assert keyring_username(_profile(id="c", host="fe80::1", port=8443)).endswith("@[fe80::1]:8443 [c]")
