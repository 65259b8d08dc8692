"""``--connect <profile>/<vm>``: syntax, profile and VM resolution, close matches, exit codes."""

from __future__ import annotations

import pytest

from vmconsole_gui.services.connect_target import (
    EXIT_USAGE,
    TargetError,
    check_target_syntax,
    resolve_profile,
    resolve_vm,
)
from vmconsole_gui.services.connections.records import VmRecord
from vmconsole_gui.services.settings import ConnectionProfile

LAB = ConnectionProfile(name="Lab vCenter", host="lab.example.com", username="u@vsphere.local")
PROD = ConnectionProfile(name="Prod", host="prod.example.com", username="u@vsphere.local")
SLASHED = ConnectionProfile(name="Prod/DC 2", host="prod2.example.com", username="u@vsphere.local")


def vm(vm_id: str, name: str, profile: ConnectionProfile = LAB) -> VmRecord:
    return VmRecord(profile_id=profile.id, vcenter=profile.name, vm_id=vm_id, name=name, power_state="POWERED_ON")


RECORDS = [vm("vm-1", "web-prod-01"), vm("vm-2", "web-prod-010"), vm("vm-3", "db-prod-01"), vm("vm-42", "Mail")]


@pytest.mark.parametrize("text", ["noslash", "", "  ", "/web-01", "Lab/", "Lab/   ", " / "])
def test_bad_syntax_is_a_usage_error(text):
    with pytest.raises(TargetError) as caught:
        check_target_syntax(text)
    assert caught.value.exit_code == EXIT_USAGE == 2
    assert "--connect" in str(caught.value)


def test_profile_exact_then_case_insensitive():
    assert resolve_profile("Lab vCenter/web-prod-01", [LAB, PROD]) == (LAB, "web-prod-01")
    assert resolve_profile("  lab VCENTER / web-prod-01 ", [LAB, PROD]) == (LAB, "web-prod-01")


def test_longest_profile_prefix_wins_and_vm_names_may_hold_slashes():
    assert resolve_profile("Prod/DC 2/web/01", [PROD, SLASHED]) == (SLASHED, "web/01")
    assert resolve_profile("Prod/app/01", [PROD, SLASHED]) == (PROD, "app/01")


def test_unknown_profile_suggests_close_names():
    with pytest.raises(TargetError) as caught:
        resolve_profile("Lab vcentre/web-prod-01", [LAB, PROD])
    assert str(caught.value) == "No connection named 'Lab vcentre'. Did you mean: Lab vCenter?"


def test_unknown_profile_with_nothing_close_lists_the_connections():
    with pytest.raises(TargetError) as caught:
        resolve_profile("zzz/web", [PROD, LAB])
    assert str(caught.value) == "No connection named 'zzz'. Known connections: Lab vCenter, Prod."


def test_no_profiles_at_all():
    with pytest.raises(TargetError, match="no connection is saved yet"):
        resolve_profile("Lab/web", [])


def test_vm_by_name_case_insensitive_name_and_id():
    assert resolve_vm("web-prod-01", RECORDS, "Lab vCenter").vm_id == "vm-1"
    assert resolve_vm("MAIL", RECORDS, "Lab vCenter").vm_id == "vm-42"
    assert resolve_vm("vm-42", RECORDS, "Lab vCenter").name == "Mail"


def test_unknown_vm_lists_close_matches():
    with pytest.raises(TargetError) as caught:
        resolve_vm("web-prd-01", RECORDS, "Lab vCenter")
    message = str(caught.value)
    assert message.startswith("No VM named 'web-prd-01' on 'Lab vCenter'. Did you mean: web-prod-01")
    assert "web-prod-010" in message
    assert "Mail" not in message


def test_unknown_vm_without_close_match_and_empty_inventory():
    with pytest.raises(TargetError) as caught:
        resolve_vm("qqqqqq", RECORDS, "Lab vCenter")
    assert str(caught.value) == "No VM named 'qqqqqq' on 'Lab vCenter'."
    with pytest.raises(TargetError, match="lists no VMs"):
        resolve_vm("web", [], "Lab vCenter")


def test_duplicate_names_ask_for_the_id():
    records = [*RECORDS, vm("vm-7", "web-prod-01")]
    with pytest.raises(TargetError) as caught:
        resolve_vm("web-prod-01", records, "Lab vCenter")
    assert "2 VMs are named 'web-prod-01'" in str(caught.value)
    assert "vm-1, vm-7" in str(caught.value)
    assert resolve_vm("vm-7", records, "Lab vCenter").vm_id == "vm-7"
