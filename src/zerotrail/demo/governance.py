"""Who approved and prepared Emmet Group's report, as the demo records it in its settings.

Part of `demo/`. Emmet Group is a synthetic company, so are these people and bodies: each value
says so ("demo company"), and the contact address is in the `.example` domain, which is reserved
and reaches no one (RFC 2606). The demo sets them with the same settings stage a user calls
(`zerotrail settings set KEY VALUE`), so its report shows a filled-in governance section.
"""

from __future__ import annotations

# Setting -> value (keys of pipeline/settings.py GOVERNANCE). The approval date follows the
# last credit retirement counted in the 2025 claim (March 2026): a report is approved last.
GOVERNANCE: dict[str, str] = {
    "approved_by": "Board Sustainability Committee, Emmet Group (demo company)",
    "approval_date": "2026-04-15",
    "preparer": "Group Sustainability Office, Emmet Group (demo company)",
    "contact": "sustainability@emmet-group.example (demo company)",
}
