"""The Qt user interface: tray, window, dialogs. Sends intents by signal; never touches SQLite or HTTP."""
