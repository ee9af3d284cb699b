# METADATA
# title: Example publish policy, holding new signers and unsigned first publishes
# description: |
#   A registry's own publish policy (aam registry serve --publish-policy FILE). Malware (any critical finding) is
#   rejected; a version signed by someone who never signed an approved version, an unsigned version of a package
#   whose approved versions are signed, an unsigned first publish, or any other finding waits for an approver;
#   facts it cannot read are rejected; the rest is accepted. A file given with --publish-policy is compiled on its
#   own, so it says everything it wants of the default itself. Its package is aam.publish or one under it.
package aam.publish.hold_new_signers

import rego.v1

# Facts this policy cannot read reject: a list of scans, each with its findings as the host checks them.
critical contains {"code": "facts_malformed", "rule": "corp.facts_malformed", "message": "the publish facts are malformed"} if {
	not scans_readable
}

scans_readable if {
	is_array(input.scans)
	every s in input.scans {
		is_string(s.scanner)
		every f in s.findings {
			is_string(f.rule)
			is_string(f.path)
			is_string(f.severity)
		}
	}
}

critical contains {"code": "critical_finding", "rule": "corp.malware", "scanner": s.scanner, "message": concat("", [s.scanner, " found ", f.rule, " in ", f.path])} if {
	some s in input.scans
	some f in s.findings
	f.severity == "critical"
}

review contains {"code": "new_signer", "rule": "corp.new_signer", "message": "signed by someone who never signed this package before"} if {
	input.history.new_signer
}

review contains {"code": "signature_dropped", "rule": "corp.signature_dropped", "message": "unsigned, where the approved versions are signed"} if {
	input.history.signature_dropped
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
