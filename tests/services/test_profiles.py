"""Connection profiles: validation messages for people, and persistence through config.json."""

from __future__ import annotations

import dataclasses
import json
from pathlib import Path

import pytest

from vmconsole_gui.services.settings import (
    ConfigStore,
    ConnectionProfile,
    ConsoleType,
    ProfileNotFoundError,
    ProfileStore,
    ProfileValidationError,
    normalise_host,
)

JUST_THE_HOST = "Enter just the host name, e.g. vc01.example.com"


def _profile(**changes: object) -> ConnectionProfile:
    base = ConnectionProfile(name="Lab", host="vc01.example.com", username="administrator@vsphere.local")
    return dataclasses.replace(base, **changes)  # type: ignore[arg-type]


@pytest.fixture
def store(tmp_path: Path) -> ProfileStore:
    config = ConfigStore(tmp_path / "config.json")
    config.load()
    return ProfileStore(config)


def _reopen(tmp_path: Path) -> ProfileStore:
    config = ConfigStore(tmp_path / "config.json")
    config.load()
    return ProfileStore(config)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("vc01.example.com", "vc01.example.com"),
        ("  VC01.Example.COM.  ", "vc01.example.com"),
        ("10.0.0.15", "10.0.0.15"),
        ("[FE80::0:1]", "fe80::1"),
        ("2001:db8::7", "2001:db8::7"),
        ("bücher.example", "bücher.example"),
        ("esx_01.lab", "esx_01.lab"),
    ],
)
def test_valid_hosts_are_cleaned_up(typed: str, expected: str) -> None:
    assert normalise_host(typed) == (expected, None)


@pytest.mark.parametrize(
    ("typed", "message"),
    [
        ("https://vc01.example.com", JUST_THE_HOST),
        ("vc01.example.com/ui", JUST_THE_HOST),
        ("vc01 example.com", JUST_THE_HOST),
        ("admin@vc01.example.com", JUST_THE_HOST),
        ("vc01..example.com", JUST_THE_HOST),
        ("-vc01.example.com", JUST_THE_HOST),
        ("vc01.example.com:8443", "Enter the port in the Port field"),
        ("   ", "Enter the vCenter host name"),
    ],
)
def test_bad_hosts_get_a_human_message(store: ProfileStore, typed: str, message: str) -> None:
    with pytest.raises(ProfileValidationError) as caught:
        store.add(_profile(host=typed))
    assert [issue.field for issue in caught.value.issues] == ["host"]
    assert message in str(caught.value)
    assert store.list() == ()


@pytest.mark.parametrize(
    ("changes", "field", "message"),
    [
        ({"name": "  "}, "name", "Enter a name for this connection."),
        ({"username": ""}, "username", "Enter the user name, e.g. administrator@vsphere.local."),
        ({"port": 0}, "port", "The port must be a number from 1 to 65535"),
        ({"port": 65536}, "port", "The port must be a number from 1 to 65535"),
        ({"port": True}, "port", "The port must be a number from 1 to 65535"),
    ],
)
def test_field_messages(store: ProfileStore, changes: dict[str, object], field: str, message: str) -> None:
    with pytest.raises(ProfileValidationError) as caught:
        store.add(_profile(**changes))
    assert [(i.field, message in i.message) for i in caught.value.issues] == [(field, True)]


def test_all_problems_are_reported_together(store: ProfileStore) -> None:
    issues = store.check(_profile(name="", host="https://x", port=0, username=" "))
    assert [i.field for i in issues] == ["name", "host", "port", "username"]


def test_duplicate_names_are_refused_case_insensitively(store: ProfileStore) -> None:
    first = store.add(_profile(name="Lab"))
    with pytest.raises(
        ProfileValidationError, match=r"^A connection named “lab” already exists; choose another name\.$"
    ):
        store.add(_profile(name="lab ", host="vc02.example.com"))
    second = store.add(_profile(name="Prod", host="vc02.example.com"))
    with pytest.raises(ProfileValidationError, match="already exists"):
        store.update(dataclasses.replace(second, name="LAB"))
    store.update(dataclasses.replace(first, name="Lab", port=8443))  # keeping its own name is fine
    assert [p.name for p in store.list()] == ["Lab", "Prod"]


def test_add_cleans_up_and_keeps_a_stable_id(store: ProfileStore) -> None:
    added = store.add(_profile(name="  Lab  ", host=" VC01.example.com ", username=" root "))
    assert (added.name, added.host, added.username) == ("Lab", "vc01.example.com", "root")
    assert store.get(added.id) == added
    updated = store.update(dataclasses.replace(added, host="vc01b.example.com"))
    assert updated.id == added.id


def test_add_update_remove_persist_across_fresh_store(tmp_path: Path, store: ProfileStore) -> None:
    lab = store.add(_profile(name="Lab"))
    prod = store.add(_profile(name="Prod", host="vc02.example.com", console_type=ConsoleType.VMRC))
    edge = store.add(_profile(name="Edge", host="10.1.2.3", port=8443))
    store.update(dataclasses.replace(prod, favourite_vm_ids=("vm-1",), auto_connect=True))
    store.remove(lab.id)

    reopened = _reopen(tmp_path)
    assert [p.name for p in reopened.list()] == ["Prod", "Edge"]
    prod_again = reopened.get(prod.id)
    assert prod_again.favourite_vm_ids == ("vm-1",)
    assert prod_again.auto_connect is True
    assert prod_again.console_type is ConsoleType.VMRC
    assert reopened.get(edge.id).port == 8443
    with pytest.raises(ProfileNotFoundError):
        reopened.get(lab.id)


def test_remove_forgets_the_profiles_recent_vms(tmp_path: Path) -> None:
    config = ConfigStore(tmp_path / "config.json")
    profiles = ProfileStore(config)
    lab = profiles.add(_profile(name="Lab"))
    prod = profiles.add(_profile(name="Prod"))
    settings = config.settings.with_recent_vm(lab.id, "vm-1", "a").with_recent_vm(prod.id, "vm-2", "b")
    config.update_settings(recent_vms=settings.recent_vms)
    profiles.remove(lab.id)
    assert [r.profile_id for r in ConfigStore(tmp_path / "config.json").load().settings.recent_vms] == [prod.id]


def test_unknown_ids_and_duplicate_ids(store: ProfileStore) -> None:
    with pytest.raises(ProfileNotFoundError, match="No saved connection"):
        store.update(_profile(id="nope"))
    with pytest.raises(ProfileNotFoundError):
        store.remove("nope")
    added = store.add(_profile())
    with pytest.raises(ValueError, match="already exists; use update"):
        store.add(dataclasses.replace(added, name="Other"))


def test_refused_changes_are_not_written(tmp_path: Path, store: ProfileStore) -> None:
    store.add(_profile())
    before = (tmp_path / "config.json").read_bytes()
    with pytest.raises(ProfileValidationError):
        store.add(_profile(name="Bad", host="http://x"))
    assert (tmp_path / "config.json").read_bytes() == before


@pytest.mark.asyncio
async def test_async_api_persists(tmp_path: Path, store: ProfileStore) -> None:
    added = await store.add_async(_profile())
    await store.update_async(dataclasses.replace(added, name="Renamed"))
    other = await store.add_async(_profile(name="Other"))
    await store.remove_async(other.id)
    document = json.loads((tmp_path / "config.json").read_text())
    assert [p["name"] for p in document["profiles"]] == ["Renamed"]
    assert "password" not in json.dumps(document).lower()
