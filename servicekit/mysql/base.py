"""ENGINE ``servicekit.mysql``: Django's MySQL backend whose connections each take one of the
process's DB_MAX_CONNECTIONS places while open (servicekit.db_connections)."""

from django.core.signals import request_finished
from django.db.backends.mysql import base
from django_grpc_framework.signals import grpc_request_finished

from servicekit import db_connections


class DatabaseWrapper(base.DatabaseWrapper):
    def get_new_connection(self, conn_params):
        db_connections.take_slot(self)
        try:
            return super().get_new_connection(conn_params)
        except BaseException:
            db_connections.give_back_slot(self)
            raise

    def _close(self):
        try:
            super()._close()
        finally:
            db_connections.give_back_slot(self)


# After Django's own close_old_connections (connected when django.db is imported): at the end of
# each HTTP request, and of each gRPC call (django-grpc-framework's own signal).
request_finished.connect(db_connections.release_if_crowded, dispatch_uid="servicekit.release_if_crowded")
grpc_request_finished.connect(db_connections.release_if_crowded, dispatch_uid="servicekit.release_if_crowded")
