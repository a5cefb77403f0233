"""Server-rendered pages: one controller per area, each page with a typed context."""
