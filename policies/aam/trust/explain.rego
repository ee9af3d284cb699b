# Explanation of a trust decision.
#   What `aam policy eval --explain` prints: which rule fired, which identity, key or registry matched each
#   piece of evidence, and why every other entry did not.
package aam.trust

import data.aam.lib.identity
import data.aam.lib.keys
import rego.v1

explain := {
	"decision": decision,
	"config": {
		"require_signature": flag_required,
		"on_signature_failure": mode,
		"require_registry_attestation": flag_require_attestation,
		"require_audit_log": flag_require_audit_log,
		"require_scans": required_scans,
		"max_log_age": max_log_age,
	},
	"signatures_judged": evaluate_flag,
	"checksum": {
		"expected": object.get(input.checksum, "expected", null),
		"actual": object.get(input.checksum, "actual", null),
		"match": checksum_match_flag,
	},
	"evidence": [explain_evidence(e) | some e in evidence],
	"registry_attestation": {
		"required": flag_require_attestation,
		"trusted": [a.index | some a in trusted_attestations],
		"missing": flag_attestation_missing,
	},
	"audit_log": {
		"required": flag_require_audit_log,
		"fact": audit_fact,
		"verified": flag_audit_log_verified,
		"fresh": flag_log_fresh,
		"state_problems": state_problems,
	},
	"scans": {name: scan_state(name) | some name in required_scans},
	"trust_on_first_use": {
		"recorded": sort(recorded_signers),
		"current": sort(current_signers),
		"changed": signer_changed_flag,
	},
}

checksum_match_flag := false if {
	checksum_mismatch
}

else := true

signer_changed_flag if {
	signer_changed
}

else := false

explain_evidence(e) := {
	"kind": e.kind,
	"index": e.index,
	"type": e.type,
	"valid": valid_flag(e),
	"errors": object.get(e, "errors", []),
	"signer": signer_label(e),
	"trusted": e in trusted_evidence,
	"identities": [identity_row(entry, e) | e.kind == "signature"; some entry in setting("trusted_identities")],
	"keys": [key_row(k, e) | e.kind == "signature"; some k in setting("trusted_keys")],
	"registry": [check | e.kind == "attestation"; some check in registry_checks(e)],
}

identity_row(entry, sig) := {"pattern": entry, "matched": true} if {
	identity.matches(entry, sig)
}

else := {"pattern": entry, "matched": false, "why": identity.mismatch(entry, sig)}

key_row(k, sig) := {"key": k, "matched": true} if {
	keys.matches(k, sig)
}

else := {"key": k, "matched": false, "why": keys.mismatch(k, sig)}

registry_checks(att) := [
	{"check": "trust_registry_attestations is true", "passed": setting("trust_registry_attestations") == true},
	{"check": "registry is in trusted_registries", "passed": object.get(att, "registry", "") in setting("trusted_registries")},
	{"check": "subject digest equals the archive checksum", "passed": lower(object.get(att, "subject_digest", "")) == lower(object.get(input.checksum, "actual", "-"))},
	{"check": "name matches the package", "passed": object.get(att, "name", "") == text_or(pkg, "name", "-")},
	{"check": "version matches the package", "passed": object.get(att, "version", "") == text_or(pkg, "version", "-")},
]

valid_flag(e) if {
	valid(e)
}

else := false

flag_required if required

else := false

flag_require_attestation if require_attestation

else := false

flag_require_audit_log if require_audit_log

else := false

flag_attestation_missing if attestation_missing

else := false

flag_audit_log_verified if audit_log_verified

else := false

flag_log_fresh if log_fresh

else := false
