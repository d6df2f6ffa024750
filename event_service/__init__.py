"""Events service: a Django project serving microtix.events.v1.EventService over gRPC."""
