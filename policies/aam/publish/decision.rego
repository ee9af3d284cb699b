# METADATA
# title: AAM default publish policy
# description: |
#   What the registry does with an upload that passed its archive and signature checks, given what its
#   scanners found. Input: publish facts (schema publish-facts/v1): the package, the publisher and their token's
#   scopes, the author's signature as verified, the package's history, the manifest and every scan result.
#   Output: decision = {decision: accept|hold|reject, reasons: [...]}. `hold` puts the version in the approval
#   queue; `reject` stores nothing. The default rejects malware (any critical finding), holds every other
#   finding (secrets, agent-package hazards) for a person to review, and accepts the rest.
package aam.publish

import rego.v1

# ---- Reasons, one per finding. ----------------------------------------------------------------------

scans := s if {
	s := input.scans
	is_array(s)
} else := []

# The facts must say which scans ran and what each found: anything malformed rejects (never accepts).
malformed contains "the publish facts have no list of scans" if not scans_listed

scans_listed if is_array(input.scans)

malformed contains concat("", ["the scan result ", json.marshal(s), " is malformed"]) if {
	some s in scans
	not well_formed(s)
}

well_formed(s) if {
	is_string(s.scanner)
	s.result in {"clean", "findings"}
	is_array(s.findings)
	every f in s.findings {
		is_string(f.rule)
		is_string(f.path)
		is_string(f.message)
		f.severity in {"critical", "high", "medium", "low"}
	}
}

where(f) := concat("", [f.path, ":", format_int(f.line, 10)]) if is_number(f.line)

else := f.path

finding_reason(code, s, f) := {
	"code": code,
	"rule": concat("", ["aam.publish.", code]),
	"scanner": s.scanner,
	"finding": object.filter(f, {"rule", "severity", "path", "line"}),
	"message": concat("", [s.scanner, " found ", f.rule, " in ", where(f), ": ", object.get(f, "message", "")]),
}

# Malware, or anything a scanner calls critical: rejected.
rejects contains finding_reason("critical_finding", s, f) if {
	some s in scans
	well_formed(s)
	some f in s.findings
	f.severity == "critical"
}

rejects contains {
	"code": "facts_malformed",
	"rule": "aam.publish.facts_malformed",
	"message": m,
} if {
	some m in malformed
}

# Secrets, hidden Unicode, executables, plain-http links: held until an approver (never the publisher) decides.
holds contains finding_reason("finding_needs_review", s, f) if {
	some s in scans
	well_formed(s)
	some f in s.findings
	f.severity != "critical"
}

# ---- The decision. ----------------------------------------------------------------------------------

decision := {"decision": "reject", "reasons": sort_reasons(rejects)} if {
	count(rejects) > 0
} else := {"decision": "hold", "reasons": sort_reasons(holds)} if {
	count(holds) > 0
} else := {"decision": "accept", "reasons": []}

# Sets are ordered by value; the list keeps that order, so the same facts always give the same answer.
sort_reasons(set) := [r | some r in set]
