import re

from django.test import SimpleTestCase

from servicekit.config import ENV_VARS, REPO_ROOT


class ReadmeTest(SimpleTestCase):
    def test_readme_documents_every_environment_variable_and_no_other(self):
        readme = (REPO_ROOT / "README.md").read_text()
        documented = set(re.findall(r"^\| `([A-Z][A-Z0-9_]+)` \|", readme, re.MULTILINE))
        self.assertEqual(documented, set(ENV_VARS))

    def test_quickstart_is_the_two_make_commands(self):
        readme = (REPO_ROOT / "README.md").read_text()
        quickstart = readme.split("## Quickstart", 1)[1].split("```", 2)[1]
        commands = [line.split("#")[0].strip() for line in quickstart.splitlines()[1:] if line.strip()]
        self.assertEqual(commands, ["make up", "make test"])
