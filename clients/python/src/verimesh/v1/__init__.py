"""Messages and stubs generated from proto/verimesh/v1 (scripts/gen_proto.sh); loaded only by the gRPC transport."""
