"""Who may use the audit archive (SPEC §5): compliance officers and administrators only."""

import rules

from advisory.rules import is_compliance_or_admin

rules.add_perm("audit.use_archive", is_compliance_or_admin)
rules.add_perm("audit.view_auditentry", is_compliance_or_admin)
rules.add_perm("audit.export", is_compliance_or_admin)
rules.add_perm("audit.manage_holds", is_compliance_or_admin)
rules.add_perm("audit.manage_retention", is_compliance_or_admin)
rules.add_perm("audit.review_disposal", is_compliance_or_admin)
