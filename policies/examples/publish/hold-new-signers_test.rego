package aam.publish_example_test

import data.aam.publish.hold_new_signers as publish
import rego.v1

base := {
	"publish_facts_version": 1,
	"package": {"name": "@acme/tool", "version": "1.1.0", "first_publish": false},
	"signature": {"type": "sigstore", "identity": "alice@acme.dev"},
	"history": {"versions": 2, "signers": [{"type": "sigstore", "identity": "alice@acme.dev"}], "new_signer": false, "signature_dropped": false},
	"scans": [{"scanner": "secrets", "version": "1.0.0", "result": "clean", "findings": []}],
}

test_known_signer_clean_accepted if {
	publish.decision.decision == "accept" with input as base
}

test_new_signer_held if {
	d := publish.decision with input as object.union(base, {"history": {"versions": 2, "signers": [], "new_signer": true, "signature_dropped": false}})
	d.decision == "hold"
	d.reasons[0].code == "new_signer"
}

test_unsigned_first_publish_held if {
	d := publish.decision with input as object.union(base, {"package": {"name": "n", "version": "0.1.0", "first_publish": true}, "signature": null})
	d.decision == "hold"
	d.reasons[0].code == "unsigned_first_publish"
}

test_malware_rejected_even_from_a_known_signer if {
	scans := [{"scanner": "clamav", "version": "1.4.3", "result": "findings", "findings": [{"rule": "Eicar", "severity": "critical", "path": "a.txt"}]}]
	d := publish.decision with input as object.union(base, {"scans": scans})
	d.decision == "reject"
}

test_dropped_signature_held if {
	history := {"versions": 2, "signers": [{"type": "sigstore", "identity": "alice@acme.dev"}], "new_signer": false, "signature_dropped": true}
	d := publish.decision with input as object.union(base, {"signature": null, "history": history})
	d.decision == "hold"
	d.reasons[0].code == "signature_dropped"
}

test_unreadable_facts_rejected if {
	publish.decision.decision == "reject" with input as object.union(base, {"scans": "clean"})
	publish.decision.decision == "reject" with input as object.remove(base, ["scans"])
}
