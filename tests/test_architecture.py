"""The structure rules of docs/architecture.md, checked."""

import io
from contextlib import redirect_stdout

from django.test import SimpleTestCase
from importlinter.cli import lint_imports

from servicekit.config import REPO_ROOT


class ImportContractsTest(SimpleTestCase):
    def test_projects_reach_each_other_only_over_the_wire(self):
        output = io.StringIO()
        with redirect_stdout(output):
            exit_code = lint_imports(config_filename=str(REPO_ROOT / ".importlinter"), no_cache=True)
        self.assertEqual(exit_code, 0, output.getvalue())
