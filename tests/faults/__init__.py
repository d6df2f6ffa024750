"""The faults group of issue 7: processes killed and restarted, the broker and the database
cut, against the real processes (docs/reliability.md lists what each test proves)."""
