"""Gateway: the only public door. Owns users and JWT auth; reaches every service over gRPC."""
