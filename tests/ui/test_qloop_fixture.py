"""The shared ``qloop`` fixture runs asyncio tasks while pytest-qt spins Qt, test after test."""

import asyncio

import pytest


@pytest.mark.parametrize("attempt", [1, 2])
def test_qloop_runs_tasks_in_every_test(qtbot, qloop, attempt):
    done = []

    async def work():
        await asyncio.sleep(0.05)
        done.append(attempt)

    qloop.create_task(work())
    qtbot.waitUntil(lambda: done == [attempt], timeout=2000)
