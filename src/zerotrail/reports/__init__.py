"""Report data (tables and figures) kept apart from rendering."""
