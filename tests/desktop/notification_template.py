"""python-dbusmock template: a freedesktop notification server whose introspection lists its signals.

dbusmock's own `notification_daemon` template lists no signals in `Introspect`, and desktop-notifier (through
dbus-fast) only subscribes to the signals the introspection names; so with it a clicked action never arrives.
This template adds ActionInvoked and NotificationClosed. A test then "clicks" with
`org.freedesktop.DBus.Mock.EmitSignal("org.freedesktop.Notifications", "ActionInvoked", "us", [id, key])`.

Parameters: {"capabilities": "body actions ..."} (space separated).
Loaded by `python -m dbusmock --session --template <this file>`; runs in the mock's own process.
"""

from __future__ import annotations

import xml.etree.ElementTree as ET
from typing import Any

BUS_NAME = "org.freedesktop.Notifications"
MAIN_OBJ = "/org/freedesktop/Notifications"
MAIN_IFACE = "org.freedesktop.Notifications"
SYSTEM_BUS = False

DEFAULT_CAPS = "body body-markup actions icon-static"
INTROSPECTABLE = "org.freedesktop.DBus.Introspectable"
SIGNALS = {
    "ActionInvoked": [("id", "u"), ("action_key", "s")],
    "NotificationClosed": [("id", "u"), ("reason", "u")],
}


def _introspect(self: Any) -> str:
    from dbusmock.mockobject import DBusMockObject

    # The stock introspection (with the dynamic methods), plus our signals.
    xml = DBusMockObject.Introspect(self, self.__dbus_object_path__, self.connection)
    tree = ET.fromstring(xml)  # noqa: S314 - dbus-python's own output, in this process
    iface = tree.find(f"./interface[@name='{MAIN_IFACE}']")
    if iface is None:
        iface = ET.SubElement(tree, "interface", {"name": MAIN_IFACE})
    for name, args in SIGNALS.items():
        if iface.find(f"./signal[@name='{name}']") is None:
            signal = ET.SubElement(iface, "signal", {"name": name})
            for arg_name, arg_type in args:
                ET.SubElement(signal, "arg", {"name": arg_name, "type": arg_type})
    return ET.tostring(tree, encoding="unicode")


def load(mock: Any, parameters: dict[str, Any]) -> None:
    caps = str(parameters.get("capabilities", DEFAULT_CAPS)).split()
    mock.next_id = 1
    mock.AddMethods(
        MAIN_IFACE,
        [
            ("GetCapabilities", "", "as", f"ret = {caps!r}"),
            ("GetServerInformation", "", "ssss", 'ret = ("jobtray-mock", "JobTray tests", "1.0", "1.2")'),
            (
                "CloseNotification",
                "u",
                "",
                "self.EmitSignal('', 'NotificationClosed', 'uu', [args[0], 3])",
            ),
            (
                "Notify",
                "susssasa{sv}i",
                "u",
                "if args[1]:\n    ret = args[1]\nelse:\n    ret = self.next_id\n    self.next_id += 1\n",
            ),
        ],
    )
    # dbusmock looks dynamic methods up before the class's own, so this replaces the stock Introspect.
    mock.AddMethod(INTROSPECTABLE, "Introspect", "", "s", _introspect)
