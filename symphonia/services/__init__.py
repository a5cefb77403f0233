"""Use cases. The only layer that opens transactions; every state change writes an audit event."""
