#!/usr/bin/env python
"""Django's manage.py; `ioc` (installed with the package) does the same."""

from ioc.cli import main

if __name__ == "__main__":
    main()
