"""PyInstaller's entry point: the same as the `jobtray` console script, and the tray's keyring child
(desktop_app/system/keyring_child.py: the frozen app has no `python -m`)."""

import sys

if __name__ == "__main__":
    from desktop_app.system.keyring_child import KEYRING_CHILD_ARG

    if sys.argv[1:2] == [KEYRING_CHILD_ARG]:
        from desktop_app.system.keyring_child import main as keyring_child

        sys.exit(keyring_child())
    from desktop_app.cli import main

    sys.exit(main())
