"""What only development runs: the tests' and fault drills' process stack, TCP proxy, SMTP sink,
database helpers and connection killer, the test runner, the benchmarks' JSON comparison server,
seeders and load generation. No runtime package (servicekit, protos, a project's production
modules) imports it; `bench` and `tests` both build on it and never on each other."""
