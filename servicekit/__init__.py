"""Code every MicroTix process shares: settings from the environment, the gRPC
server command, the gRPC client helper, caller identity and domain error kinds."""
