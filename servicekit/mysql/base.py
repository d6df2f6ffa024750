"""ENGINE ``servicekit.mysql``: Django's MySQL backend whose connections each take one of the
process's DB_MAX_CONNECTIONS places while open, and are kept idle for the next thread when given
back (servicekit.db_connections)."""

from django.core.signals import request_finished
from django.db.backends.mysql import base
from django_grpc_framework.signals import grpc_request_finished

from servicekit import db_connections


class DatabaseWrapper(base.DatabaseWrapper):
    _reused = False

    def get_new_connection(self, conn_params):
        connection, self._reused = db_connections.open_connection(self, conn_params, super().get_new_connection)
        return connection

    def init_connection_state(self):
        if not self._reused:  # a reused connection has its session settings from its first use
            super().init_connection_state()

    def _close(self):
        db_connections.close_connection(self, super()._close)


# After Django's own close_old_connections (connected when django.db is imported): at the end of
# each HTTP request, and of each gRPC call (django-grpc-framework's own signal).
request_finished.connect(db_connections.give_back_connections, dispatch_uid="servicekit.give_back_connections")
grpc_request_finished.connect(db_connections.give_back_connections, dispatch_uid="servicekit.give_back_connections")
db_connections.stop_clearing_query_logs()  # once, as the backend loads
