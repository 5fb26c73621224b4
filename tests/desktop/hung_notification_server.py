# ruff: noqa: F722, F821, PLR0917  # dbus-fast reads D-Bus signatures ("as", "a{sv}") from annotations
"""A freedesktop notification server that accepts calls and never answers them: how a hung (not dead) server
looks. Run as `python tests/desktop/hung_notification_server.py MODE` with DBUS_SESSION_BUS_ADDRESS set; it owns
org.freedesktop.Notifications, prints "ready" on stdout, then one line per call it received ("Notify 3").

MODE: `notify` answers GetCapabilities and GetServerInformation but never Notify; `all` answers nothing.
"""

import asyncio
import sys
from typing import Any

from dbus_fast import BusType
from dbus_fast.aio import MessageBus
from dbus_fast.service import ServiceInterface, method, signal

NAME = "org.freedesktop.Notifications"
PATH = "/org/freedesktop/Notifications"


class HungNotifications(ServiceInterface):
    def __init__(self, mode: str) -> None:
        super().__init__(NAME)
        self.mode = mode
        self.calls: dict[str, int] = {}
        self._never = asyncio.Event()  # never set: a call awaiting it is never answered

    def _seen(self, name: str) -> None:
        self.calls[name] = self.calls.get(name, 0) + 1
        print(name, self.calls[name], flush=True)

    @method()
    async def GetCapabilities(self) -> "as":
        self._seen("GetCapabilities")
        if self.mode == "all":
            await self._never.wait()
        return ["body", "actions"]

    @method()
    async def GetServerInformation(self) -> "ssss":
        self._seen("GetServerInformation")
        if self.mode == "all":
            await self._never.wait()
        return ["hung", "JobTray tests", "1.0", "1.2"]

    @method()
    async def Notify(
        self,
        app_name: "s",
        replaces_id: "u",
        app_icon: "s",
        summary: "s",
        body: "s",
        actions: "as",
        hints: "a{sv}",
        expire_timeout: "i",
    ) -> "u":
        self._seen("Notify")
        await self._never.wait()
        return 0

    @method()
    def CloseNotification(self, notification_id: "u"):
        self._seen("CloseNotification")

    @signal()
    def ActionInvoked(self) -> "us":
        return [0, ""]

    @signal()
    def NotificationClosed(self) -> "uu":
        return [0, 0]


async def main(mode: str) -> None:
    bus = await MessageBus(bus_type=BusType.SESSION).connect()
    bus.export(PATH, HungNotifications(mode))
    await bus.request_name(NAME)
    print("ready", flush=True)
    await bus.wait_for_disconnect()


if __name__ == "__main__":
    args: Any = sys.argv[1:]
    asyncio.run(main(args[0] if args else "notify"))
