"""``Server-Timing: app;dur=<ms>`` on every response: how long the service itself took
(until it started answering), so a client can tell the service's latency from the
network's and its own. A pure ASGI middleware: it adds no thread or task per request."""

from __future__ import annotations

import time


class ServerTiming:
    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()

        async def send_timed(message) -> None:
            if message["type"] == "http.response.start":
                duration = f"app;dur={(time.perf_counter() - started) * 1000:.1f}".encode()
                message = {**message, "headers": [*message.get("headers", []), (b"server-timing", duration)]}
            await send(message)

        await self.app(scope, receive, send_timed)
