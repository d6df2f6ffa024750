"""The servicekit gRPC server plumbing, seen through the events service: health,
reflection, domain-error mapping and call logging."""

import grpc
from google.protobuf.descriptor_pool import DescriptorPool
from grpc_health.v1 import health_pb2, health_pb2_grpc
from grpc_reflection.v1alpha.proto_reflection_descriptor_database import ProtoReflectionDescriptorDatabase

from event_service.events.tests.support import ORGANIZER, EventServiceTestCase, create_request, make_event
from protos.events.v1 import events_pb2
from servicekit.grpc_client import channel_for, health_status
from servicekit.identity import Caller

EVENT_SERVICE = "microtix.events.v1.EventService"


class HealthTests(EventServiceTestCase):
    def check(self, service: str):
        stub = health_pb2_grpc.HealthStub(channel_for(self.grpc_target))
        return stub.Check(health_pb2.HealthCheckRequest(service=service), timeout=10).status

    def test_health_of_the_whole_server_is_serving(self):
        self.assertEqual(self.check(""), health_pb2.HealthCheckResponse.SERVING)

    def test_health_of_the_event_service_is_serving(self):
        self.assertEqual(self.check(EVENT_SERVICE), health_pb2.HealthCheckResponse.SERVING)

    def test_health_of_an_unknown_service_is_not_found(self):
        with self.assertRaises(grpc.RpcError) as raised:
            self.check("microtix.nothing.v1.Nothing")

        self.assertEqual(raised.exception.code(), grpc.StatusCode.NOT_FOUND)

    def test_health_status_helper_names_the_status(self):
        self.assertEqual(health_status(self.grpc_target, timeout=10, service=EVENT_SERVICE), "SERVING")


class ReflectionTests(EventServiceTestCase):
    def setUp(self):
        super().setUp()
        self.database = ProtoReflectionDescriptorDatabase(channel_for(self.grpc_target))

    def test_reflection_lists_the_event_service_with_health_and_reflection(self):
        services = set(self.database.get_services())

        self.assertIn(EVENT_SERVICE, services)
        self.assertIn("grpc.health.v1.Health", services)
        self.assertIn("grpc.reflection.v1alpha.ServerReflection", services)

    def test_reflection_describes_the_event_service_methods(self):
        service = DescriptorPool(self.database).FindServiceByName(EVENT_SERVICE)

        self.assertEqual(
            {method.name for method in service.methods},
            {
                "CreateEvent",
                "GetEvent",
                "ListEvents",
                "UpdateEvent",
                "CancelEvent",
                "InviteEventStaff",
                "ListEventStaff",
                "RemoveEventStaff",
            },
        )


class DomainErrorMappingTests(EventServiceTestCase):
    def test_domain_error_arrives_as_its_status_with_a_human_message(self):
        error = self.assertFails(grpc.StatusCode.NOT_FOUND, "GetEvent", events_pb2.GetEventRequest(id=424242))

        self.assertEqual(error.message, "No such event.")
        self.assertEqual(error.code, "not_found")
        self.assertEqual(error.field_errors, {})

    def test_conflict_arrives_as_failed_precondition_with_its_code_and_message(self):
        row = make_event(status="cancelled")
        request = events_pb2.UpdateEventRequest(id=row.id, name="Revived")

        error = self.assertFails(grpc.StatusCode.FAILED_PRECONDITION, "UpdateEvent", request, caller=ORGANIZER)

        self.assertEqual(error.message, "The event is cancelled and can no longer be changed.")
        self.assertEqual(error.code, "event_cancelled")

    def test_invalid_input_carries_field_errors_in_its_rich_status(self):
        error = self.assertFails(
            grpc.StatusCode.INVALID_ARGUMENT, "CreateEvent", create_request(name=""), caller=ORGANIZER
        )

        self.assertEqual(error.message, "The event data is invalid.")
        self.assertEqual(error.field_errors, {"name": ["This field may not be blank."]})


class CallLoggingTests(EventServiceTestCase):
    def test_every_call_is_logged_with_method_status_and_request_id(self):
        caller = Caller(request_id="req-abc123")

        with self.assertLogs("microtix.grpc", "INFO") as logs:
            self.assertFails(
                grpc.StatusCode.NOT_FOUND, "GetEvent", events_pb2.GetEventRequest(id=424242), caller=caller
            )

        [line] = [record.getMessage() for record in logs.records]
        self.assertIn(f"rpc /{EVENT_SERVICE}/GetEvent code=NOT_FOUND", line)
        self.assertIn("request_id=req-abc123", line)

    def test_successful_call_is_logged_as_ok(self):
        row = make_event()

        with self.assertLogs("microtix.grpc", "INFO") as logs:
            self.call("GetEvent", id=row.id)

        [line] = [record.getMessage() for record in logs.records]
        self.assertIn(f"rpc /{EVENT_SERVICE}/GetEvent code=OK", line)
