# METADATA
# title: Example publish policy, holding new signers and unsigned first publishes
# description: |
#   A registry's own publish policy (aam registry serve --publish-policy FILE). Malware (any critical finding) is
#   rejected; a version signed by someone who never signed the package, an unsigned first publish, or any other
#   finding waits for an approver; the rest is accepted. A file given with --publish-policy is compiled on its
#   own, so it says everything it wants of the default itself. Its package is aam.publish or one under it.
package aam.publish.hold_new_signers

import rego.v1

critical contains {"code": "critical_finding", "rule": "corp.malware", "scanner": s.scanner, "message": concat("", [s.scanner, " found ", f.rule, " in ", f.path])} if {
	some s in input.scans
	some f in s.findings
	f.severity == "critical"
}

review contains {"code": "new_signer", "rule": "corp.new_signer", "message": "signed by someone who never signed this package before"} if {
	input.history.new_signer
}

review contains {"code": "unsigned_first_publish", "rule": "corp.unsigned_first_publish", "message": "a new package must be signed"} if {
	input.package.first_publish
	input.signature == null
}

review contains {"code": "finding_needs_review", "rule": "corp.finding", "scanner": s.scanner, "message": concat("", [s.scanner, " found ", f.rule, " in ", f.path])} if {
	some s in input.scans
	some f in s.findings
	f.severity != "critical"
}

decision := {"decision": "reject", "reasons": [r | some r in critical]} if {
	count(critical) > 0
} else := {"decision": "hold", "reasons": [r | some r in review]} if {
	count(review) > 0
} else := {"decision": "accept", "reasons": []}
