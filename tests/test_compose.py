"""docker-compose.yml and the Dockerfile run the same processes as the Procfile, with
settings that work between containers. Checked offline: the files are parsed, not run.

    python gateway_project/manage.py test tests.test_compose
"""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path

import yaml
from django.test import SimpleTestCase

from devkit.processes import PROCFILE, procfile_commands
from servicekit.config import ENV_VARS, REPO_ROOT

COMPOSE_FILE = REPO_ROOT / "docker-compose.yml"
DOCKERFILE = REPO_ROOT / "Dockerfile"
DOCKERIGNORE = REPO_ROOT / ".dockerignore"

MIGRATE_SERVICE = "migrate"
MIGRATE_COMMAND = "python -m servicekit.stack migrate"
# Build-context entries that are local state, never part of an image.
LOCAL_STATE = (".venv", "var", ".git", "__pycache__", "*.pyc", ".ruff_cache")

# $NAME, ${NAME}, ${NAME-default}, ${NAME:-default}
_EXPANSION = re.compile(
    r"\$(?:\{(?P<braced>[A-Za-z_][A-Za-z0-9_]*)(?P<colon>:?)(?:-(?P<default>[^}]*))?\}|(?P<bare>[A-Za-z_][A-Za-z0-9_]*))"
)
_SHELLS = ("sh", "/bin/sh", "bash", "/bin/bash")


def expand(text: str, values: dict[str, str]) -> str:
    """`text` with shell-style variable expansions replaced from `values` (else their default)."""

    def replace(match: re.Match) -> str:
        name = match["braced"] or match["bare"]
        default = match["default"] or ""
        value = values.get(name)
        if value is None or (value == "" and match["colon"]):
            return default
        return value

    return _EXPANSION.sub(replace, text)


def compose_interpolate(text: str) -> str:
    """What compose makes of `text` on a host that sets none of the variables: defaults, `$$` as `$`."""
    return "$".join(expand(part, {}) for part in text.split("$$"))


def grpc_services() -> dict[str, str]:
    """gRPC service name -> its address variable, from the MICROTIX_<NAME>_ADDR variables."""
    found = (re.fullmatch(r"MICROTIX_([A-Z]+)_ADDR", name) for name in ENV_VARS)
    return {match[1].lower(): match[0] for match in found if match}


def default_port(variable: str) -> str:
    return ENV_VARS[variable].default.rsplit(":", 1)[1]


def listen_variable(variable: str) -> str:
    """MICROTIX_<NAME>_LISTEN_ADDR of MICROTIX_<NAME>_ADDR: where the service binds, if set apart."""
    return variable.removesuffix("_ADDR") + "_LISTEN_ADDR"


def graceful_timeout(argv: list[str]) -> float:
    """Seconds gunicorn's `--graceful-timeout` gives requests in flight at SIGTERM (gunicorn's default: 30)."""
    return float(argv[argv.index("--graceful-timeout") + 1]) if "--graceful-timeout" in argv else 30.0


def seconds(duration: str) -> float:
    """A compose duration (`15s`, `1m30s`, `500ms`) in seconds."""
    units = {"h": 3600, "m": 60, "s": 1, "ms": 0.001, "us": 1e-6}
    parts = re.findall(r"(\d+(?:\.\d+)?)(ms|us|h|m|s)", duration)
    if not parts or "".join(number + unit for number, unit in parts) != duration:
        raise ValueError(f"not a compose duration: {duration!r}")
    return sum(float(number) * units[unit] for number, unit in parts)


def load_compose() -> dict:
    return yaml.safe_load(COMPOSE_FILE.read_text())


def dockerfile_instructions(path: Path) -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) of each instruction, continuation lines joined, comments dropped."""
    instructions, pending = [], ""
    for line in path.read_text().splitlines():
        if not pending and (not line.strip() or line.lstrip().startswith("#")):
            continue
        if pending and line.lstrip().startswith("#"):
            continue
        if line.rstrip().endswith("\\"):
            pending += line.rstrip()[:-1] + " "
            continue
        keyword, _, arguments = (pending + line).strip().partition(" ")
        instructions.append((keyword.upper(), arguments.strip()))
        pending = ""
    return instructions


def dockerfile_stages(path: Path) -> list[list[tuple[str, str]]]:
    """The instructions of each build stage, each stage starting with its FROM."""
    stages: list[list[tuple[str, str]]] = []
    for instruction in dockerfile_instructions(path):
        if instruction[0] == "FROM":
            stages.append([])
        if stages:
            stages[-1].append(instruction)
    return stages


def unwrap_shell(argv: list[str]) -> list[str]:
    """`sh -c "exec CMD"` (how a command gets shell expansions in a container) as CMD's words."""
    if len(argv) == 3 and argv[0] in _SHELLS and argv[1] == "-c":
        script = argv[2].strip()
        return shlex.split(script.removeprefix("exec "))
    return argv


class ComposeTestCase(SimpleTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.procfile = procfile_commands(PROCFILE)
        cls.compose = load_compose()
        cls.services = cls.compose.get("services") or {}
        cls.app_services = [*cls.procfile, MIGRATE_SERVICE]

    def service(self, name: str) -> dict:
        self.assertIn(name, self.services, f"docker-compose.yml has no service {name!r}")
        return self.services[name]

    def environment(self, name: str) -> dict[str, str]:
        """The service's environment as its container sees it (compose interpolation applied)."""
        raw = self.service(name).get("environment") or {}
        if isinstance(raw, list):
            raw = dict(item.split("=", 1) if "=" in item else (item, None) for item in raw)
        return {key: compose_interpolate(str(value)) for key, value in raw.items() if value is not None}

    def command(self, name: str) -> list[str]:
        """The service's command as the words the container runs."""
        command = self.service(name).get("command")
        self.assertIsNotNone(command, f"service {name!r} has no command")
        argv = shlex.split(command) if isinstance(command, str) else [str(word) for word in command]
        argv = [compose_interpolate(word) for word in argv]
        if len(argv) == 3 and argv[0] in _SHELLS:  # expansions done by the container's shell
            argv = [argv[0], argv[1], expand(argv[2], self.environment(name))]
        return unwrap_shell(argv)

    def depends_on(self, name: str) -> dict[str, str]:
        """Service it depends on -> the condition it waits for."""
        raw = self.service(name).get("depends_on") or {}
        if isinstance(raw, list):
            return dict.fromkeys(raw, "service_started")
        return {key: (value or {}).get("condition", "service_started") for key, value in raw.items()}


class ComposeServicesTests(ComposeTestCase):
    def test_compose_file_follows_the_compose_spec_without_a_version_key(self):
        self.assertNotIn("version", self.compose)
        self.assertTrue(self.services, "docker-compose.yml defines no services")

    def test_every_procfile_process_has_a_compose_service_of_the_same_name(self):
        self.assertTrue(self.procfile, "the Procfile names no process")
        missing = sorted(set(self.procfile) - set(self.services))
        self.assertEqual(missing, [], f"Procfile processes without a compose service: {missing}")

    def test_each_process_service_runs_its_procfile_command(self):
        for name, procfile_command in self.procfile.items():
            with self.subTest(process=name):
                expected = shlex.split(expand(procfile_command, self.environment(name)))
                self.assertEqual(self.command(name), expected)

    def test_migrate_service_runs_the_stack_migration(self):
        self.assertEqual(self.command(MIGRATE_SERVICE), shlex.split(MIGRATE_COMMAND))

    def test_migrate_service_is_not_restarted_once_it_has_completed(self):
        restart = self.service(MIGRATE_SERVICE).get("restart", "no")
        self.assertIn("no" if restart is False else restart, ("no", "on-failure"))

    def test_every_environment_variable_an_app_service_sets_is_declared_in_env_vars(self):
        for name in self.app_services:
            with self.subTest(service=name):
                undeclared = sorted(set(self.environment(name)) - set(ENV_VARS))
                self.assertEqual(undeclared, [], f"not in servicekit.config.ENV_VARS: {undeclared}")

    def test_every_app_service_is_built_from_the_one_dockerfile(self):
        for name in self.app_services:
            with self.subTest(service=name):
                build = self.service(name).get("build")
                self.assertIsNotNone(build, f"service {name!r} is not built from the repository")
                if isinstance(build, str):
                    build = {"context": build}
                self.assertEqual(Path(build.get("context", ".")), Path("."))
                self.assertEqual(Path(build.get("dockerfile", "Dockerfile")), DOCKERFILE.relative_to(REPO_ROOT))
                self.assertNotIn("image", self.service(name), "an app service must not use a prebuilt image")


class ComposeNetworkTests(ComposeTestCase):
    def test_grpc_services_are_procfile_processes(self):
        self.assertTrue(grpc_services(), "ENV_VARS declares no MICROTIX_<NAME>_ADDR variable")
        self.assertLessEqual(set(grpc_services()), set(self.procfile))

    def test_each_grpc_service_listens_on_all_interfaces_at_its_default_port_in_its_own_container(self):
        for service, variable in grpc_services().items():
            with self.subTest(service=service):
                listen = listen_variable(variable)
                self.assertEqual(self.environment(service).get(listen), f"0.0.0.0:{default_port(variable)}")

    def test_every_app_container_dials_each_grpc_service_by_dns_name_at_the_same_port(self):
        for service, variable in grpc_services().items():
            for name in self.app_services:
                with self.subTest(service=service, container=name):
                    self.assertEqual(self.environment(name).get(variable), f"dns:///{service}:{default_port(variable)}")

    def test_each_grpc_healthcheck_asks_the_port_its_service_listens_on(self):
        for service, variable in grpc_services().items():
            with self.subTest(service=service):
                test = [str(word) for word in self.service(service)["healthcheck"]["test"]]
                self.assertEqual(test[-1], f"127.0.0.1:{default_port(variable)}")

    def test_app_services_get_longer_than_the_graceful_shutdown_before_they_are_killed(self):
        shutdown = {name: float(self.environment(name).get("GRPC_GRACE_SECONDS", "10")) for name in grpc_services()}
        shutdown["gateway"] = graceful_timeout(self.command("gateway"))
        for name, grace in shutdown.items():
            with self.subTest(service=name):
                self.assertGreater(seconds(self.service(name).get("stop_grace_period", "10s")), grace)

    def test_gateway_publishes_the_port_it_listens_on(self):
        port = self.environment("gateway").get("MICROTIX_HTTP_PORT", ENV_VARS["MICROTIX_HTTP_PORT"].default)
        published = {}
        for entry in self.service("gateway").get("ports") or []:
            if isinstance(entry, dict):
                published[str(entry["target"])] = str(entry.get("published", ""))
            else:
                *host, target = str(entry).split(":")
                published[target.split("/")[0]] = host[-1] if host else ""
        self.assertIn(port, published, f"the gateway listens on {port} but publishes {sorted(published)}")
        self.assertTrue(published[port], "the gateway's port has no host port")

    def test_app_services_wait_for_healthy_mysql_and_rabbitmq_and_completed_migrations(self):
        expected = {
            "mysql": "service_healthy",
            "rabbitmq": "service_healthy",
            MIGRATE_SERVICE: "service_completed_successfully",
        }
        for name in self.procfile:
            with self.subTest(service=name):
                depends_on = self.depends_on(name)
                self.assertEqual({key: depends_on.get(key) for key in expected}, expected)

    def test_migrate_waits_for_a_healthy_mysql(self):
        self.assertEqual(self.depends_on(MIGRATE_SERVICE).get("mysql"), "service_healthy")

    def test_every_service_waited_on_as_healthy_has_a_healthcheck(self):
        for name in self.services:
            for dependency, condition in self.depends_on(name).items():
                if condition == "service_healthy":
                    with self.subTest(service=name, dependency=dependency):
                        healthcheck = self.service(dependency).get("healthcheck") or {}
                        self.assertTrue(healthcheck.get("test"), f"{dependency!r} has no healthcheck test")
                        self.assertFalse(healthcheck.get("disable", False), f"{dependency!r} disables its healthcheck")


class DockerfileTests(SimpleTestCase):
    def test_dockerfile_is_multi_stage(self):
        self.assertGreaterEqual(len(dockerfile_stages(DOCKERFILE)), 2)

    def test_final_stage_runs_as_a_non_root_user(self):
        users = [arguments for keyword, arguments in dockerfile_stages(DOCKERFILE)[-1] if keyword == "USER"]
        self.assertTrue(users, "the final stage sets no USER: containers would run as root")
        user = users[-1].split(":")[0]
        self.assertNotIn(user, ("root", "0"))

    def test_default_command_is_the_gateway_procfile_command(self):
        commands = [arguments for keyword, arguments in dockerfile_stages(DOCKERFILE)[-1] if keyword == "CMD"]
        self.assertTrue(commands, "the final stage has no CMD")
        try:
            argv = json.loads(commands[-1])
        except json.JSONDecodeError:
            argv = ["/bin/sh", "-c", commands[-1]]  # shell form
        gateway = procfile_commands(PROCFILE)["gateway"]
        if len(argv) == 3 and argv[0] in _SHELLS:
            self.assertEqual(unwrap_shell(argv), shlex.split(gateway))
        else:  # exec form: no shell expands the Procfile's ${VAR:-default}
            self.assertEqual(argv, shlex.split(expand(gateway, {})))

    def test_build_context_leaves_out_local_state(self):
        entries = {
            line.strip().removeprefix("/").removeprefix("**/").rstrip("/")
            for line in DOCKERIGNORE.read_text().splitlines()
            if line.strip() and not line.lstrip().startswith("#")
        }
        missing = [entry for entry in LOCAL_STATE if entry not in entries]
        self.assertEqual(missing, [], f".dockerignore does not leave out {missing}")

    def test_build_context_leaves_out_the_deployment_manifests_and_their_secrets(self):
        entries = {line.strip().rstrip("/") for line in DOCKERIGNORE.read_text().splitlines()}
        self.assertIn("deploy", entries, "deploy/k8s/overlays/*/secrets.env would be copied into the image")
