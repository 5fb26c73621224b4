"""PyInstaller's entry point: the same as the `jobtray` console script."""

import sys

from desktop_app.cli import main

if __name__ == "__main__":
    sys.exit(main())
