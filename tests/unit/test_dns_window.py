"""The window of DNS queries in flight: high at first, halving when the resolver struggles."""

from __future__ import annotations

import asyncio

from mailcheck.dnsresolver import Window


def test_the_window_starts_at_its_cap_and_lets_that_many_through() -> None:
    async def main() -> tuple[int, int]:
        window = Window(1000)
        for _ in range(1000):
            await asyncio.wait_for(window.acquire(), 0.1)
        blocked = asyncio.ensure_future(window.acquire())
        await asyncio.sleep(0.01)
        waiting = not blocked.done()
        window.release(answered=True)
        await asyncio.wait_for(blocked, 0.1)
        return window.peak, int(waiting)

    assert asyncio.run(main()) == (1000, 1)


def test_a_burst_of_failures_halves_the_window_once_per_round() -> None:
    window = Window(1000)

    async def main() -> None:
        numbers = [await window.acquire() for _ in range(100)]
        # Every query of the round fails (a resolver refusing under load): one halving.
        for number in numbers:
            window.strain(number)
            window.release(answered=False)
        assert window.size == 500
        assert window.cuts == 1
        # A query sent after the cut that fails too: the next halving.
        window.strain(await window.acquire())
        window.release(answered=False)
        assert window.size == 250

    asyncio.run(main())


def test_the_window_never_falls_below_its_floor_and_grows_back_to_its_cap() -> None:
    window = Window(64)

    async def main() -> None:
        for _ in range(20):
            window.strain(await window.acquire())
            window.release(answered=False)
        assert window.size == Window.FLOOR
        for _ in range(200):
            await window.acquire()
            window.release(answered=True)
        assert window.size == 64

    asyncio.run(main())


def test_an_urgent_query_does_not_wait_behind_the_queue() -> None:
    async def main() -> bool:
        window = Window(1)
        await window.acquire()
        queued = asyncio.ensure_future(window.acquire())
        await asyncio.sleep(0)
        await asyncio.wait_for(window.acquire(urgent=True), 0.1)
        return queued.done()

    assert asyncio.run(main()) is False


def test_a_cancelled_waiter_gives_its_turn_to_the_next() -> None:
    async def main() -> None:
        window = Window(1)
        await window.acquire()
        first = asyncio.ensure_future(window.acquire())
        second = asyncio.ensure_future(window.acquire())
        await asyncio.sleep(0)
        first.cancel()
        window.release(answered=True)
        await asyncio.wait_for(second, 0.1)

    asyncio.run(main())


def test_room_waits_until_the_queued_queries_are_on_their_way() -> None:
    # A preflight adds new domains only when the window has room; a query already
    # waiting (a domain's MX host lookup) gets the freed slot first.
    async def main() -> list[str]:
        window = Window(1)
        order: list[str] = []
        await window.acquire()

        async def follow_up() -> None:
            await window.acquire()
            order.append("follow-up")

        async def reader() -> None:
            await window.room()
            order.append("reader")

        queued = asyncio.ensure_future(follow_up())
        await asyncio.sleep(0)
        waiting_reader = asyncio.ensure_future(reader())
        await asyncio.sleep(0)
        window.release(answered=True)  # the follow-up takes the slot: still no room
        await asyncio.sleep(0)
        window.release(answered=True)  # now there is
        await asyncio.wait_for(asyncio.gather(queued, waiting_reader), 0.1)
        return order

    assert asyncio.run(main()) == ["follow-up", "reader"]
