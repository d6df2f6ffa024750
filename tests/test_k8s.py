"""deploy/k8s renders, for each overlay, to valid Kubernetes documents that run the Procfile's
processes with the settings' variables and point at each other correctly. Checked offline:
rendered by `kubectl kustomize` (else tests/kustomize.py), validated against the Kubernetes
schemas that PyPI's kubernetes-validate ships, never applied to a cluster.

    python gateway_project/manage.py test tests.test_k8s
"""

from __future__ import annotations

import base64
import shlex
import shutil
import tempfile
from pathlib import Path

import kubernetes_validate
from django.test import SimpleTestCase
from django.urls import reverse

from devkit.processes import PROCFILE, procfile_commands
from servicekit.config import ENV_VARS, REPO_ROOT
from servicekit.grpc_server import LIVENESS_SERVICE
from tests import kustomize
from tests.test_compose import MIGRATE_COMMAND, default_port, expand, graceful_timeout, grpc_services

K8S_DIR = REPO_ROOT / "deploy" / "k8s"
OVERLAYS = ("dev", "prod")
KUBERNETES_VERSION = "1.30"
SECRET_NAME = "microtix-secrets"
SECRETS_FILE = "secrets.env"
PLACEHOLDER = "REPLACE_ME"
EXPECTED_ENV = {"dev": "development", "prod": "production"}
AUTOSCALED = {"gateway", "tickets", "worker"}
SINGLETON = "beat"  # two beats would publish every schedule twice
MIGRATE_JOB = "migrate"
GATEWAY = "gateway"
# Seconds a pod gets past its preStop sleep and graceful shutdown to close down at least.
CLOSE_DOWN_SECONDS = 1


def render_overlays(render) -> dict[str, list[dict]]:
    """Each overlay's documents, rendered from a copy of deploy/k8s whose git-ignored secrets.env
    files are the committed examples (as an operator's first step makes them)."""
    with tempfile.TemporaryDirectory() as scratch:
        copy = Path(scratch) / "k8s"
        shutil.copytree(K8S_DIR, copy, ignore=shutil.ignore_patterns(SECRETS_FILE))
        for overlay in OVERLAYS:
            folder = copy / "overlays" / overlay
            shutil.copy(folder / f"{SECRETS_FILE}.example", folder / SECRETS_FILE)
        return {overlay: render(copy / "overlays" / overlay) for overlay in OVERLAYS}


def by_kind(documents: list[dict], kind: str) -> dict[str, dict]:
    return {document["metadata"]["name"]: document for document in documents if document["kind"] == kind}


def secret_values(documents: list[dict], name: str) -> dict[str, str]:
    """The Secret's values, decoded."""
    data = by_kind(documents, "Secret")[name]["data"]
    return {key: base64.b64decode(value).decode() for key, value in data.items()}


def pod_spec(workload: dict) -> dict:
    return workload["spec"]["template"]["spec"]


def only_container(workload: dict) -> dict:
    containers = pod_spec(workload)["containers"]
    assert len(containers) == 1, f"{workload['metadata']['name']} has {len(containers)} containers"
    return containers[0]


def container_ports(container: dict) -> dict[str, int]:
    return {port.get("name", str(port["containerPort"])): port["containerPort"] for port in container.get("ports", [])}


def selects(selector: dict[str, str], labels: dict[str, str]) -> bool:
    return bool(selector) and all(labels.get(key) == value for key, value in selector.items())


def pre_stop_sleep(container: dict) -> int:
    """Seconds of the container's `sleep N` preStop hook (0 without one)."""
    command = container.get("lifecycle", {}).get("preStop", {}).get("exec", {}).get("command", [])
    return int(command[1]) if command[:1] == ["sleep"] else 0


class RenderedOverlaysTestCase(SimpleTestCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.renderer = "kubectl kustomize" if kustomize.kubectl() else "tests/kustomize.py"
        render = kustomize.render_with_kubectl if kustomize.kubectl() else kustomize.render
        cls.overlays = render_overlays(render)
        cls.procfile = procfile_commands(PROCFILE)

    def config(self, documents: list[dict]) -> dict[str, str]:
        return by_kind(documents, "ConfigMap")["microtix-config"]["data"]

    def workloads(self, documents: list[dict]) -> dict[str, dict]:
        """Deployments and the migration Job, by name: everything that runs the image."""
        return {**by_kind(documents, "Deployment"), **by_kind(documents, "Job")}

    def environment(self, documents: list[dict], container: dict) -> dict[str, str]:
        """The variables the container is given: its ConfigMaps and Secrets, then its own env."""
        environment: dict[str, str] = {}
        for source in container.get("envFrom", []):
            if "configMapRef" in source:
                environment |= by_kind(documents, "ConfigMap")[source["configMapRef"]["name"]]["data"]
            if "secretRef" in source:
                environment |= secret_values(documents, source["secretRef"]["name"])
        environment |= {entry["name"]: entry.get("value", "") for entry in container.get("env", [])}
        return environment


class KubernetesSchemaTests(RenderedOverlaysTestCase):
    def test_every_rendered_document_is_valid_against_the_kubernetes_schemas(self):
        for overlay, documents in self.overlays.items():
            with self.subTest(overlay=overlay, renderer=self.renderer):
                self.assertTrue(documents, f"overlay {overlay} renders nothing")
                for document in documents:
                    name = f"{document['kind']}/{document['metadata']['name']}"
                    with self.subTest(document=name):
                        try:
                            kubernetes_validate.validate(document, KUBERNETES_VERSION, strict=True)
                        except kubernetes_validate.ValidationError as error:
                            path = ".".join(str(part) for part in error.path)
                            self.fail(f"{overlay}: {name} is invalid at {path}: {error.message}")

    def test_every_namespaced_document_is_in_the_overlays_own_namespace(self):
        for overlay, documents in self.overlays.items():
            with self.subTest(overlay=overlay, renderer=self.renderer):
                namespaces = list(by_kind(documents, "Namespace"))
                self.assertEqual(len(namespaces), 1)
                outside = [
                    document["metadata"]["name"]
                    for document in documents
                    if document["kind"] != "Namespace" and document["metadata"].get("namespace") != namespaces[0]
                ]
                self.assertEqual(outside, [])

    def test_the_fallback_renderer_renders_what_kubectl_renders(self):
        if not kustomize.kubectl():
            self.skipTest("kubectl is not installed: nothing to compare tests/kustomize.py with")
        by_kubectl, by_fallback = render_overlays(kustomize.render_with_kubectl), render_overlays(kustomize.render)
        for overlay in OVERLAYS:
            with self.subTest(overlay=overlay):
                key = lambda document: (document["kind"], document["metadata"]["name"])  # noqa: E731
                self.assertEqual(
                    {key(document): document for document in by_fallback[overlay]},
                    {key(document): document for document in by_kubectl[overlay]},
                )


class KubernetesProcessTests(RenderedOverlaysTestCase):
    def test_every_procfile_process_has_a_deployment_of_its_name(self):
        for overlay, documents in self.overlays.items():
            with self.subTest(overlay=overlay, renderer=self.renderer):
                self.assertEqual(sorted(by_kind(documents, "Deployment")), sorted(self.procfile))

    def test_each_deployment_runs_its_procfile_command(self):
        for overlay, documents in self.overlays.items():
            with self.subTest(overlay=overlay, renderer=self.renderer):
                for name, deployment in by_kind(documents, "Deployment").items():
                    with self.subTest(deployment=name):
                        container = only_container(deployment)
                        expected = shlex.split(expand(self.procfile[name], self.environment(documents, container)))
                        self.assertEqual([*container["command"], *container.get("args", [])], expected)

    def test_migration_job_runs_the_stack_migration_once(self):
        for overlay, documents in self.overlays.items():
            with self.subTest(overlay=overlay, renderer=self.renderer):
                job = by_kind(documents, "Job")[MIGRATE_JOB]
                self.assertEqual(only_container(job)["command"], shlex.split(MIGRATE_COMMAND))
                self.assertEqual(pod_spec(job)["restartPolicy"], "Never")

    def test_every_pod_runs_the_overlays_one_image(self):
        for overlay, documents in self.overlays.items():
            with self.subTest(overlay=overlay, renderer=self.renderer):
                images = {
                    name: only_container(workload)["image"] for name, workload in self.workloads(documents).items()
                }
                self.assertEqual(len(set(images.values())), 1, images)

    def test_every_variable_a_pod_is_given_is_one_the_settings_read(self):
        for overlay, documents in self.overlays.items():
            with self.subTest(overlay=overlay, renderer=self.renderer):
                for name, workload in self.workloads(documents).items():
                    with self.subTest(workload=name):
                        given = self.environment(documents, only_container(workload))
                        undeclared = sorted(set(given) - set(ENV_VARS))
                        self.assertEqual(undeclared, [], f"not in servicekit.config.ENV_VARS: {undeclared}")

    def test_every_config_map_and_secret_a_pod_refers_to_is_rendered(self):
        for overlay, documents in self.overlays.items():
            with self.subTest(overlay=overlay, renderer=self.renderer):
                for name, workload in self.workloads(documents).items():
                    for source in only_container(workload).get("envFrom", []):
                        for ref, kind in (("configMapRef", "ConfigMap"), ("secretRef", "Secret")):
                            if ref in source:
                                with self.subTest(workload=name, ref=source[ref]["name"]):
                                    self.assertIn(source[ref]["name"], by_kind(documents, kind))

    def test_each_overlay_names_its_environment(self):
        for overlay, documents in self.overlays.items():
            with self.subTest(overlay=overlay, renderer=self.renderer):
                self.assertEqual(self.config(documents)["MICROTIX_ENV"], EXPECTED_ENV[overlay])

    def test_every_container_has_resource_requests_and_limits(self):
        for overlay, documents in self.overlays.items():
            with self.subTest(overlay=overlay, renderer=self.renderer):
                for name, workload in self.workloads(documents).items():
                    resources = only_container(workload).get("resources", {})
                    for bound in ("requests", "limits"):
                        with self.subTest(workload=name, bound=bound):
                            self.assertEqual(set(resources.get(bound, {})), {"cpu", "memory"})

    def test_every_pod_runs_as_a_non_root_user_without_privilege_escalation(self):
        for overlay, documents in self.overlays.items():
            with self.subTest(overlay=overlay, renderer=self.renderer):
                for name, workload in self.workloads(documents).items():
                    with self.subTest(workload=name):
                        self.assertTrue(pod_spec(workload)["securityContext"]["runAsNonRoot"])
                        self.assertNotEqual(pod_spec(workload)["securityContext"].get("runAsUser"), 0)
                        self.assertFalse(only_container(workload)["securityContext"]["allowPrivilegeEscalation"])

    def test_the_beat_runs_exactly_one_replica_replaced_not_rolled(self):
        for overlay, documents in self.overlays.items():
            with self.subTest(overlay=overlay, renderer=self.renderer):
                beat = by_kind(documents, "Deployment")[SINGLETON]
                self.assertEqual(beat["spec"]["replicas"], 1)
                self.assertEqual(beat["spec"]["strategy"]["type"], "Recreate")
                targets = [
                    hpa["spec"]["scaleTargetRef"]["name"]
                    for hpa in by_kind(documents, "HorizontalPodAutoscaler").values()
                ]
                self.assertNotIn(SINGLETON, targets)


class KubernetesSecretTests(RenderedOverlaysTestCase):
    def test_the_base_commits_no_secret(self):
        self.assertEqual(by_kind(kustomize.render(K8S_DIR / "base"), "Secret"), {})

    def test_the_committed_secret_examples_hold_only_placeholders(self):
        for overlay, documents in self.overlays.items():
            with self.subTest(overlay=overlay, renderer=self.renderer):
                for key, value in secret_values(documents, SECRET_NAME).items():
                    if key in ("SECRET_KEY", "MICROTIX_SERVICE_TOKEN"):
                        with self.subTest(key=key):
                            self.assertIn(PLACEHOLDER, value)

    def test_the_secrets_files_are_git_ignored(self):
        ignored = (REPO_ROOT / ".gitignore").read_text().splitlines()
        self.assertIn(f"deploy/k8s/overlays/*/{SECRETS_FILE}", ignored)

    def test_the_secret_holds_the_service_token_and_the_connection_urls(self):
        for overlay, documents in self.overlays.items():
            with self.subTest(overlay=overlay, renderer=self.renderer):
                secret = by_kind(documents, "Secret")[SECRET_NAME]
                self.assertLessEqual(
                    {"SECRET_KEY", "MICROTIX_SERVICE_TOKEN", "DATABASE_URL", "CELERY_BROKER_URL"}, set(secret["data"])
                )
                self.assertFalse(
                    set(secret["data"]) & set(self.config(documents)), "a variable both in config and secret"
                )


class KubernetesNetworkTests(RenderedOverlaysTestCase):
    def test_every_service_selects_the_pods_of_one_deployment_and_targets_a_declared_port(self):
        for overlay, documents in self.overlays.items():
            with self.subTest(overlay=overlay, renderer=self.renderer):
                deployments = by_kind(documents, "Deployment")
                for name, service in by_kind(documents, "Service").items():
                    with self.subTest(service=name):
                        selected = [
                            deployment
                            for deployment in deployments.values()
                            if selects(
                                service["spec"]["selector"], deployment["spec"]["template"]["metadata"]["labels"]
                            )
                        ]
                        self.assertEqual(len(selected), 1, f"{name} selects {len(selected)} Deployments")
                        ports = container_ports(only_container(selected[0]))
                        for port in service["spec"]["ports"]:
                            target = port.get("targetPort", port["port"])
                            self.assertTrue(
                                target in ports or target in ports.values(), f"{name}: {target} not declared"
                            )

    def test_each_grpc_service_is_headless_and_dialled_by_dns_at_the_port_it_listens_on(self):
        for overlay, documents in self.overlays.items():
            with self.subTest(overlay=overlay, renderer=self.renderer):
                config, services = self.config(documents), by_kind(documents, "Service")
                for name, variable in grpc_services().items():
                    with self.subTest(service=name):
                        port = int(default_port(variable))
                        self.assertEqual(services[name]["spec"]["clusterIP"], "None")
                        self.assertIn(port, [entry["port"] for entry in services[name]["spec"]["ports"]])
                        self.assertEqual(
                            container_ports(only_container(by_kind(documents, "Deployment")[name]))["grpc"], port
                        )
                        self.assertEqual(config[variable], f"dns:///{name}:{port}")
                        self.assertEqual(config[variable.replace("_ADDR", "_LISTEN_ADDR")], f"0.0.0.0:{port}")

    def test_the_gateway_is_a_cluster_ip_service_behind_the_ingress(self):
        for overlay, documents in self.overlays.items():
            with self.subTest(overlay=overlay, renderer=self.renderer):
                service = by_kind(documents, "Service")[GATEWAY]
                self.assertEqual(service["spec"].get("type", "ClusterIP"), "ClusterIP")
                self.assertNotEqual(service["spec"].get("clusterIP"), "None")
                port = container_ports(only_container(by_kind(documents, "Deployment")[GATEWAY]))["http"]
                self.assertEqual(port, int(self.config(documents)["MICROTIX_HTTP_PORT"]))

    def test_every_ingress_path_reaches_a_declared_service_port(self):
        for overlay, documents in self.overlays.items():
            with self.subTest(overlay=overlay, renderer=self.renderer):
                services = by_kind(documents, "Service")
                for rule in by_kind(documents, "Ingress")[GATEWAY]["spec"]["rules"]:
                    for path in rule["http"]["paths"]:
                        with self.subTest(path=path["path"]):
                            backend = path["backend"]["service"]
                            declared = services[backend["name"]]["spec"]["ports"]
                            wanted = backend["port"].get("name") or backend["port"].get("number")
                            self.assertIn(
                                wanted, [entry.get("name") for entry in declared] + [e["port"] for e in declared]
                            )

    def test_the_ingress_hosts_are_allowed_hosts_and_metrics_is_not_public(self):
        for overlay, documents in self.overlays.items():
            with self.subTest(overlay=overlay, renderer=self.renderer):
                allowed = self.config(documents)["ALLOWED_HOSTS"].split(",")
                for rule in by_kind(documents, "Ingress")[GATEWAY]["spec"]["rules"]:
                    self.assertIn(rule["host"], allowed)
                    paths = [path["path"] for path in rule["http"]["paths"]]
                    self.assertFalse([path for path in paths if reverse("metrics").startswith(path.rstrip("/") or "/")])


class KubernetesLifecycleTests(RenderedOverlaysTestCase):
    def probes(self, documents: list[dict]):
        """(deployment, probe kind, probe, container) of every probe."""
        for name, deployment in by_kind(documents, "Deployment").items():
            container = only_container(deployment)
            for kind in ("startupProbe", "livenessProbe", "readinessProbe"):
                if kind in container:
                    yield name, kind, container[kind], container

    def test_every_deployment_but_the_beat_has_readiness_and_liveness_probes(self):
        for overlay, documents in self.overlays.items():
            with self.subTest(overlay=overlay, renderer=self.renderer):
                for name, deployment in by_kind(documents, "Deployment").items():
                    if name != SINGLETON:
                        with self.subTest(deployment=name):
                            self.assertIn("readinessProbe", only_container(deployment))
                            self.assertIn("livenessProbe", only_container(deployment))

    def test_every_probe_points_at_a_declared_container_port(self):
        for overlay, documents in self.overlays.items():
            with self.subTest(overlay=overlay, renderer=self.renderer):
                for name, kind, probe, container in self.probes(documents):
                    with self.subTest(deployment=name, probe=kind):
                        action = probe.get("grpc") or probe.get("httpGet") or probe.get("tcpSocket")
                        ports = container_ports(container)
                        self.assertTrue(action["port"] in ports or action["port"] in ports.values(), action)

    def test_grpc_services_are_probed_natively_live_without_the_database_ready_with_it(self):
        for overlay, documents in self.overlays.items():
            with self.subTest(overlay=overlay, renderer=self.renderer):
                containers = {name: container for name, _kind, _probe, container in self.probes(documents)}
                for name in grpc_services():
                    with self.subTest(service=name):
                        container = containers[name]
                        self.assertEqual(container["livenessProbe"]["grpc"].get("service"), LIVENESS_SERVICE)
                        self.assertEqual(container["readinessProbe"]["grpc"].get("service", ""), "")

    def test_gateway_probes_ask_no_dependency_and_send_an_allowed_host(self):
        for overlay, documents in self.overlays.items():
            with self.subTest(overlay=overlay, renderer=self.renderer):
                allowed = self.config(documents)["ALLOWED_HOSTS"].split(",")
                for name, kind, probe, _container in self.probes(documents):
                    if name == GATEWAY:
                        with self.subTest(probe=kind):
                            self.assertEqual(probe["httpGet"]["path"], reverse("health-live"))
                            headers = {header["name"]: header["value"] for header in probe["httpGet"]["httpHeaders"]}
                            self.assertIn(headers["Host"], allowed)

    def test_grace_period_covers_the_pre_stop_pause_and_the_graceful_shutdown(self):
        for overlay, documents in self.overlays.items():
            with self.subTest(overlay=overlay, renderer=self.renderer):
                shutdown = {name: float(self.config(documents)["GRPC_GRACE_SECONDS"]) for name in grpc_services()}
                gateway = by_kind(documents, "Deployment")[GATEWAY]
                shutdown[GATEWAY] = graceful_timeout(only_container(gateway)["command"])
                for name, grace in shutdown.items():
                    with self.subTest(deployment=name):
                        deployment = by_kind(documents, "Deployment")[name]
                        container = only_container(deployment)
                        self.assertGreater(pre_stop_sleep(container), 0, "no preStop pause: calls would be cut off")
                        self.assertGreaterEqual(
                            pod_spec(deployment)["terminationGracePeriodSeconds"],
                            pre_stop_sleep(container) + grace + CLOSE_DOWN_SECONDS,
                        )

    def test_the_gateway_graceful_timeout_matches_the_grpc_grace(self):
        for overlay, documents in self.overlays.items():
            with self.subTest(overlay=overlay, renderer=self.renderer):
                gateway = only_container(by_kind(documents, "Deployment")[GATEWAY])
                self.assertEqual(
                    graceful_timeout(gateway["command"]), float(self.config(documents)["GRPC_GRACE_SECONDS"])
                )


class KubernetesScalingTests(RenderedOverlaysTestCase):
    def test_the_gateway_tickets_and_worker_are_autoscaled_and_nothing_else(self):
        for overlay, documents in self.overlays.items():
            with self.subTest(overlay=overlay, renderer=self.renderer):
                hpas = by_kind(documents, "HorizontalPodAutoscaler").values()
                self.assertEqual({hpa["spec"]["scaleTargetRef"]["name"] for hpa in hpas}, AUTOSCALED)
                deployments = by_kind(documents, "Deployment")
                for hpa in hpas:
                    target = hpa["spec"]["scaleTargetRef"]
                    with self.subTest(hpa=hpa["metadata"]["name"]):
                        self.assertEqual(target["kind"], "Deployment")
                        self.assertIn(target["name"], deployments)
                        self.assertLessEqual(hpa["spec"]["minReplicas"], hpa["spec"]["maxReplicas"])

    def test_autoscaled_deployments_leave_the_replica_count_to_their_autoscaler(self):
        for overlay, documents in self.overlays.items():
            with self.subTest(overlay=overlay, renderer=self.renderer):
                for name in AUTOSCALED:
                    with self.subTest(deployment=name):
                        self.assertNotIn("replicas", by_kind(documents, "Deployment")[name]["spec"])

    def test_every_disruption_budget_selects_the_pods_of_one_deployment_and_allows_a_drain(self):
        for overlay, documents in self.overlays.items():
            with self.subTest(overlay=overlay, renderer=self.renderer):
                deployments = by_kind(documents, "Deployment")
                budgets = by_kind(documents, "PodDisruptionBudget")
                self.assertEqual(set(budgets), set(deployments) - {SINGLETON})
                for name, budget in budgets.items():
                    with self.subTest(budget=name):
                        selector = budget["spec"]["selector"]["matchLabels"]
                        selected = [
                            deployment_name
                            for deployment_name, deployment in deployments.items()
                            if selects(selector, deployment["spec"]["template"]["metadata"]["labels"])
                        ]
                        self.assertEqual(selected, [name])
                        self.assertGreaterEqual(budget["spec"].get("maxUnavailable", 0), 1)
