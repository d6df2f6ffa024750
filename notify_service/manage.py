#!/usr/bin/env python
"""Django's command-line utility for the notify_service project."""

import os
import sys
from pathlib import Path

# Run from anywhere: the repository root holds this project, servicekit and protos.
sys.path[0] = str(Path(__file__).resolve().parent.parent)

if __name__ == "__main__":
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "notify_service.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(sys.argv)
