"""Pure domain: no I/O, no web, no database. Everything else depends on this, never the reverse."""
