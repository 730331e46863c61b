import asyncio

from aiortc_transport._driver import DeadlineTimer


async def test_timer_fires_once_at_the_latest_deadline() -> None:
    loop = asyncio.get_running_loop()
    fired: list[float] = []
    done = asyncio.Event()

    def on_fire() -> None:
        fired.append(loop.time())
        done.set()

    timer = DeadlineTimer(loop, on_fire)
    first = loop.time() + 0.001
    timer.arm(first)
    timer.arm(first)
    second = loop.time() + 0.02
    timer.arm(second)  # moved later: the early handle re-schedules instead of firing
    await asyncio.wait_for(done.wait(), 1)
    assert len(fired) == 1
    assert fired[0] >= second
    assert timer.deadline is None


async def test_a_deadline_moved_earlier_fires_early() -> None:
    loop = asyncio.get_running_loop()
    done = asyncio.Event()
    timer = DeadlineTimer(loop, done.set)
    timer.arm(loop.time() + 30)
    start = loop.time()
    timer.arm(start + 0.001)
    await asyncio.wait_for(done.wait(), 1)
    assert loop.time() - start < 1


async def test_disarmed_timer_never_fires() -> None:
    loop = asyncio.get_running_loop()
    fired: list[int] = []
    timer = DeadlineTimer(loop, lambda: fired.append(1))
    timer.arm(loop.time())
    timer.arm(None)
    later = asyncio.Event()
    loop.call_at(loop.time() + 0.005, later.set)
    await asyncio.wait_for(later.wait(), 1)
    assert fired == []
    timer.arm(loop.time() + 0.001)
    timer.cancel()
    await asyncio.sleep(0.005)
    assert fired == []
