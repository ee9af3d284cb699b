package aam.publish_test

import data.aam.publish
import rego.v1

# The shared vectors (also run through the Node WASM path by test/policy/publish-vectors.test.ts).
vectors := data.aam.publish.testdata.vectors

summary(d) := {"decision": d.decision, "codes": sort([r.code | some r in d.reasons])}

failing contains v.name if {
	some v in vectors
	d := publish.decision with input as v.facts
	summary(d) != v.expect
}

test_all_shared_vectors_pass if {
	count(vectors) > 15
	count(failing) == 0
}

facts(scans) := {"publish_facts_version": 1, "package": {"name": "p", "version": "1.0.0"}, "scans": scans}

test_reject_names_the_rule_and_the_finding if {
	f := {"rule": "Aam.Test.EICAR.UNOFFICIAL", "severity": "critical", "path": "skills/x/e.txt", "message": "malware signature"}
	d := publish.decision with input as facts([{"scanner": "clamav", "version": "1", "result": "findings", "findings": [f]}])
	d.reasons[0].rule == "aam.publish.critical_finding"
	d.reasons[0].scanner == "clamav"
	d.reasons[0].finding == {"rule": "Aam.Test.EICAR.UNOFFICIAL", "severity": "critical", "path": "skills/x/e.txt"}
	d.reasons[0].message == "clamav found Aam.Test.EICAR.UNOFFICIAL in skills/x/e.txt: malware signature"
}

test_hold_message_has_the_line if {
	f := {"rule": "aws-access-key-id", "severity": "high", "path": "prompts/p.md", "line": 3, "message": "an AWS access key id"}
	d := publish.decision with input as facts([{"scanner": "secrets", "version": "1", "result": "findings", "findings": [f]}])
	d.reasons[0].message == "secrets found aws-access-key-id in prompts/p.md:3: an AWS access key id"
	d.reasons[0].finding.line == 3
}
