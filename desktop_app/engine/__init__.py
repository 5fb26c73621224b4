"""The one polling engine: an AccountPoller per account, driven by the tray worker, `watch` and `poll`."""
