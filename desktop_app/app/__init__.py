"""The tray process: run loop, controller, demo, single instance and crash handling (Qt lives here)."""
