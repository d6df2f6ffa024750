"""`make bench`: MicroTix's figures on this machine, reproducible in one command.

    python -m bench [--quick] [--out DIR] [--baseline FILE]

Starts the whole stack (devkit.processes.ProcessStack: gateway under gunicorn, the gRPC
services, the Celery worker) against a fresh database on DATABASE_URL's server and
CELERY_BROKER_URL's broker, runs the scenarios of docs/benchmarks.md, and writes the page,
its charts and results.json. The load generator is this process: asyncio + aiohttp for HTTP,
threads for the service-to-service comparison. Its reusable pieces, shared with the fault
drills, are in devkit: `devkit.flash_sale`, `devkit.seed`.
"""
