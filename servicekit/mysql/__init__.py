"""Django's MySQL backend, with a cap on the connections a process opens (servicekit.db_connections)."""
