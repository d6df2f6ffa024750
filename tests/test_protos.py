import tempfile
from pathlib import Path

from django.test import SimpleTestCase

from protos.generate import REPO_ROOT, generate


class GeneratedCodeTest(SimpleTestCase):
    def test_generated_code_matches_the_proto_files(self):
        with tempfile.TemporaryDirectory() as scratch:
            fresh = generate(Path(scratch))
            self.assertTrue(fresh, "no .proto file found")
            for path in fresh:
                committed = REPO_ROOT / path.relative_to(scratch)
                self.assertTrue(committed.exists(), f"{committed} is missing: run `make protos`")
                self.assertEqual(committed.read_text(), path.read_text(), f"{committed} is stale: run `make protos`")
