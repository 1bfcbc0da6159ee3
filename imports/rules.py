"""Who may import from the legacy system: compliance officers and administrators only (issue 19).
Advisors, risk reviewers, supervisors and clients are refused."""

import rules

from advisory.rules import can, is_compliance_or_admin  # noqa: F401  (can: the one way to ask)

rules.add_perm("imports.view_batch", is_compliance_or_admin)
rules.add_perm("imports.upload", is_compliance_or_admin)
rules.add_perm("imports.confirm", is_compliance_or_admin)
