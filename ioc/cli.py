"""The `ioc` console command: every Django management command, plus the project's own.

ioc demo                      set up and serve the Vĩnh Phúc demo
ioc serve [--port N]          serve the application (waitress)
ioc migrate                   apply database migrations
ioc orgunits load-vn --province 26
ioc token create USERNAME --scope data:read
"""

from __future__ import annotations

import os
import sys


def main(argv: list[str] | None = None) -> None:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ioc.settings")
    from django.core.management import execute_from_command_line

    args = list(sys.argv[1:] if argv is None else argv)
    execute_from_command_line(["ioc", *args])


if __name__ == "__main__":
    main()
