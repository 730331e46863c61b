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
    timer.arm(first)  # same deadline: no second handle
    second = loop.time() + 0.005
    timer.arm(second)  # moved: only the new deadline fires
    await asyncio.wait_for(done.wait(), 1)
    assert len(fired) == 1
    assert fired[0] >= second
    assert timer.deadline is None


async def test_cancelled_timer_never_fires() -> None:
    loop = asyncio.get_running_loop()
    fired: list[int] = []
    timer = DeadlineTimer(loop, lambda: fired.append(1))
    timer.arm(loop.time())
    timer.cancel()
    # One trip through the loop's ready queue lets an uncancelled zero-delay handle run.
    await asyncio.sleep(0)
    await asyncio.sleep(0)
    assert fired == []
