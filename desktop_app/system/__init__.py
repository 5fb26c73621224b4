"""What touches the OS: credentials (keyring), autostart, the desktop entry, logs and resource files."""
