"""Run one of devkit's Django commands with a project's settings, without it being one of the
project's own management commands (so no production process can load it):

    python -m devkit.run <project> <module> [arguments]
    python -m devkit.run event_service devkit.commands.bench_events --count 1000 --organizer-id 7

`<module>` defines `Command`, a django BaseCommand; it runs as `manage.py` would run it.
"""

from __future__ import annotations

import os
import sys
from importlib import import_module

import django


def main(argv: list[str]) -> None:
    if len(argv) < 3:
        sys.exit(__doc__)
    project, module, *arguments = argv[1:]
    os.environ["DJANGO_SETTINGS_MODULE"] = f"{project}.settings"
    django.setup()
    command = import_module(module).Command()
    command.run_from_argv([f"{project}/manage.py", module.rpartition(".")[2], *arguments])


if __name__ == "__main__":
    main(sys.argv)
