"""Django commands of devkit, run with a project's settings by `python -m devkit.run` (never a project's own)."""
