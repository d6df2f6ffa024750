"""The structure rules of docs/architecture.md, checked."""

import subprocess
import sys
from pathlib import Path

from django.test import SimpleTestCase

from servicekit.config import REPO_ROOT


class ImportContractsTest(SimpleTestCase):
    def test_projects_reach_each_other_only_over_the_wire(self):
        # In a process of its own: import-linter reconfigures logging for its console output.
        lint = subprocess.run(
            [
                str(Path(sys.executable).parent / "lint-imports"),
                "--config",
                str(REPO_ROOT / ".importlinter"),
                "--no-cache",
            ],
            cwd=REPO_ROOT,
            capture_output=True,
            text=True,
        )
        self.assertEqual(lint.returncode, 0, lint.stdout + lint.stderr)
