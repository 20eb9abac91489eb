"""The workspace database: one URL, a versioned schema, transactional writes."""

from zerotrail.store.workspace import Workspace, open_workspace, resolve_url

__all__ = ["Workspace", "open_workspace", "resolve_url"]
