package aam.trust_test

import data.aam.trust
import rego.v1

# The shared vectors (also run through the Node WASM path by test/policy/vectors.test.ts).
vectors := data.aam.trust.testdata.vectors

outcome_and_codes(d) := {"outcome": d.outcome, "codes": sort({r.code | some r in d.reasons; r.effect != "pass"} | {r.code | some r in d.reasons; r.effect == "pass"})}

failing contains v.name if {
	some v in vectors
	d := trust.decision with input as v.facts with data.aam.config.security as v.config
	outcome_and_codes(d) != v.expect
}

test_all_shared_vectors_pass if {
	count(vectors) > 30
	count(failing) == 0
}

a := concat("", ["sha256:", concat("", [c | some _ in numbers.range(1, 64); c := "a"])])

base_facts := {
	"facts_version": 1,
	"package": {"name": "@a/x", "version": "1.0.0"},
	"checksum": {"expected": a, "actual": a},
	"signatures": [],
	"attestations": [],
	"request": {"verify": false, "require_signature": false, "no_verify": false},
}

test_checksum_mismatch_fails_whatever_the_config if {
	f := object.union(base_facts, {"checksum": {"expected": a, "actual": upper(a)}})
	d1 := trust.decision with input as f
	d1.outcome == "install"
	g := object.union(base_facts, {"checksum": {"expected": a, "actual": "sha256:00"}})
	d2 := trust.decision with input as g with data.aam.config.security as {"on_signature_failure": "ignore"}
	d2.outcome == "fail"
	d2.reasons[0].code == "checksum_mismatch"
}

test_unsigned_required_fails if {
	d := trust.decision with input as base_facts with data.aam.config.security as {"require_signature": true}
	d.outcome == "fail"
	d.reasons[0].code == "unsigned"
}

test_not_required_installs_without_judging if {
	d := trust.decision with input as base_facts
	d.outcome == "install"
	d.reasons == []
	d.evaluated == false
}

test_no_config_means_defaults if {
	every name, value in trust.defaults {
		trust.setting(name) == value with data.aam.config as {}
	}
	trust.setting("require_signature") == true with data.aam.config.security as {"require_signature": true}
}

test_custom_deny_fails_and_warn_warns if {
	d := trust.decision with input as base_facts with data.aam.custom.deny as {"blocked by corp"}
	d.outcome == "fail"
	d.reasons[0] == {"code": "deny", "effect": "fail", "message": "blocked by corp", "rule": "aam.custom.deny"}
	w := trust.decision with input as base_facts with data.aam.custom.warn as {{"message": "old", "code": "stale"}}
	w.outcome == "warn"
	w.reasons[0].code == "stale"
}

test_custom_rules_cannot_pass_a_checksum_failure if {
	g := object.union(base_facts, {"checksum": {"expected": a, "actual": "sha256:00"}})
	d := trust.decision with input as g with data.aam.custom.warn as {{"message": "x", "effect": "pass"}}
	d.outcome == "fail"
}

test_explain_names_the_matching_entry_and_why_others_fail if {
	sig := {"type": "sigstore", "valid": true, "errors": [], "identity": "alice@example.com.evil.org", "issuer": "https://accounts.google.com"}
	f := object.union(base_facts, {"signatures": [sig], "request": {"verify": true, "require_signature": false, "no_verify": false}})
	e := trust.explain with input as f with data.aam.config.security as {"trusted_identities": ["alice@example.com", "*@evil.org"]}
	rows := e.evidence[0].identities
	rows[0] == {"pattern": "alice@example.com", "matched": false, "why": "email alice@example.com.evil.org is not alice@example.com"}
	rows[1] == {"pattern": "*@evil.org", "matched": false, "why": "email alice@example.com.evil.org is not in domain evil.org (subdomains do not count)"}
	e.decision.outcome == "warn"
}
