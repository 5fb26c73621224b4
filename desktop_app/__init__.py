"""JobTray: watch long-running cloud jobs from the system tray."""

__version__ = "0.1.0"
APP_NAME = "JobTray"
