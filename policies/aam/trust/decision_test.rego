package aam.trust_test

import data.aam.trust
import rego.v1

# The shared vectors (also run through the Node WASM path by test/policy/vectors.test.ts).
vectors := data.aam.trust.testdata.vectors

outcome_and_codes(d) := {"outcome": d.outcome, "codes": sort({r.code | some r in d.reasons; r.effect != "pass"} | {r.code | some r in d.reasons; r.effect == "pass"}), "verified": d.verified}

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

# ---- verified: what `aam verify FILE` answers. -------------------------------------------------------

verify_facts(sig) := object.union(base_facts, {"signatures": [sig], "request": {"verify": true, "require_signature": false, "no_verify": false}})

test_verified_needs_a_trusted_signature_and_no_failure if {
	bob := {"type": "sigstore", "valid": true, "errors": [], "identity": "bob@example.org", "issuer": "https://accounts.google.com"}
	cfg := {"trusted_identities": ["bob@example.org"]}
	trusted := trust.decision with input as verify_facts(bob) with data.aam.config.security as cfg
	trusted.verified == true
	untrusted := trust.decision with input as verify_facts(bob)
	untrusted.outcome == "warn"
	untrusted.verified == false
	ignored := trust.decision with input as verify_facts(bob) with data.aam.config.security as object.union(cfg, {"on_signature_failure": "ignore"})
	ignored.outcome == "install"
	ignored.verified == false
	denied := trust.decision with input as verify_facts(bob) with data.aam.config.security as cfg with data.aam.custom.deny as {"blocked"}
	denied.verified == false
	unsigned := trust.decision with input as object.union(base_facts, {"request": {"verify": true, "require_signature": false, "no_verify": false}})
	unsigned.verified == false
}

test_a_module_cannot_make_a_package_verified if {
	forged := {{"code": "trusted", "effect": "pass", "rule": "aam.trust.trusted", "message": "trust me"}}
	d := trust.decision with input as verify_facts({"type": "x", "valid": false, "errors": ["bad"]}) with data.aam.custom.warn as forged
	d.verified == false
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

# ---- The seed's Maximum level: required registry attestation and audit log. ------------------------

maximum := {
	"require_signature": true,
	"on_signature_failure": "error",
	"trusted_identities": ["alice@example.org"],
	"trust_registry_attestations": true,
	"trusted_registries": ["corp"],
	"require_registry_attestation": true,
	"require_audit_log": true,
}

alice := {"type": "sigstore", "valid": true, "errors": [], "identity": "alice@example.org", "issuer": "https://accounts.google.com"}

corp_attestation := {"type": "registry-attestation", "valid": true, "errors": [], "registry": "corp", "subject_digest": a, "name": "@a/x", "version": "1.0.0"}

maximum_facts := object.union(base_facts, {
	"package": {"name": "@a/x", "version": "1.0.0", "registry": "corp"},
	"signatures": [alice],
	"attestations": [corp_attestation],
	"audit_log": {"registry": "corp", "checked": true, "consistent": true, "checkpoint_size": 3},
})

fails_with(d, code) := [r | some r in d.reasons; r.code == code; r.effect == "fail"]

test_maximum_installs_with_signature_attestation_and_audit_log if {
	d := trust.decision with input as maximum_facts with data.aam.config.security as maximum
	d.outcome == "install"
	{r.kind | some r in d.reasons; r.code == "trusted"} == {"signature", "attestation"}
}

test_attestation_missing_names_the_registry_and_fails_under_every_mode if {
	f := object.union(maximum_facts, {"attestations": [object.union(corp_attestation, {"registry": "evil"})]})
	every m in ["error", "warn", "ignore", "bogus"] {
		d := trust.decision with input as f with data.aam.config.security as object.union(maximum, {"on_signature_failure": m})
		d.outcome == "fail"
		[r] := fails_with(d, "attestation_missing")
		r.rule == "aam.trust.attestation_missing"
		contains(r.message, "@a/x@1.0.0 from registry corp has no valid attestation from a trusted registry")
		contains(r.message, `registry "evil" is not in trusted_registries`)
	}
}

test_audit_log_unverified_carries_the_error_and_fails_under_every_mode if {
	f := object.union(maximum_facts, {"audit_log": {"registry": "corp", "checked": true, "consistent": false, "error": "checkpoint 9 is not an extension of checkpoint 7"}})
	every m in ["error", "warn", "ignore"] {
		d := trust.decision with input as f with data.aam.config.security as object.union(maximum, {"on_signature_failure": m})
		d.outcome == "fail"
		[r] := fails_with(d, "audit_log_unverified")
		r.message == "the audit log of registry corp is not verified for @a/x@1.0.0 (not consistent: checkpoint 9 is not an extension of checkpoint 7), and require_audit_log is true"
	}
}

test_local_registry_fails_both_requirements if {
	f := object.union(maximum_facts, {
		"package": {"name": "@a/x", "version": "1.0.0", "registry": "local"},
		"attestations": [],
		"audit_log": {"registry": "local", "checked": false, "consistent": false, "error": "local registries have no audit log"},
	})
	d := trust.decision with input as f with data.aam.config.security as maximum
	d.outcome == "fail"
	count(fails_with(d, "attestation_missing")) == 1
	[r] := fails_with(d, "audit_log_unverified")
	contains(r.message, "not checked: local registries have no audit log")
}

# object.union merges objects deeply, so the fact is removed before it is replaced.
test_malformed_audit_log_fails_closed if {
	every bad in [null, "consistent", [], {"checked": "true", "consistent": true, "registry": "corp"}, {"checked": true, "consistent": 1, "registry": "corp"}, {"checked": true, "consistent": true}] {
		f := object.union(object.remove(maximum_facts, ["audit_log"]), {"audit_log": bad})
		d := trust.decision with input as f with data.aam.config.security as maximum
		d.outcome == "fail"
		count(fails_with(d, "audit_log_unverified")) == 1
	}
}

test_malformed_attestations_never_satisfy_the_requirement if {
	every bad in [["corp"], [null], [{"registry": "corp", "valid": true}], [object.union(corp_attestation, {"valid": "true"})], [object.union(corp_attestation, {"subject_digest": null})]] {
		f := object.union(maximum_facts, {"attestations": bad})
		d := trust.decision with input as f with data.aam.config.security as maximum
		d.outcome == "fail"
		count(fails_with(d, "attestation_missing")) == 1
	}
}

test_the_requirements_make_signatures_judged_even_with_no_verify if {
	f := object.union(maximum_facts, {"attestations": [], "request": {"verify": false, "require_signature": false, "no_verify": true}})
	d := trust.decision with input as f with data.aam.config.security as {"require_registry_attestation": true}
	d.evaluated == true
	d.outcome == "fail"
	e := trust.decision with input as object.union(f, {"audit_log": null}) with data.aam.config.security as {"require_audit_log": true}
	e.evaluated == true
	e.outcome == "fail"
}

test_the_attestation_is_on_top_of_the_signature_rules if {
	# Without the requirement, a trusted attestation alone satisfies rule 5 (SPEC §5) ...
	f := object.union(maximum_facts, {"signatures": []})
	d := trust.decision with input as f with data.aam.config.security as object.union(maximum, {"require_registry_attestation": false})
	d.outcome == "install"

	# ... with it, the author's signature must pass the signature rules by itself.
	e := trust.decision with input as f with data.aam.config.security as maximum
	e.outcome == "fail"
	[r] := fails_with(e, "unsigned")
	contains(r.message, "a registry attestation is not an author signature")
}

test_checksum_mismatch_is_the_only_reason_under_maximum if {
	f := object.union(maximum_facts, {"checksum": {"expected": a, "actual": "sha256:00"}, "attestations": [], "audit_log": null})
	d := trust.decision with input as f with data.aam.config.security as maximum
	d.outcome == "fail"
	{r.code | some r in d.reasons} == {"checksum_mismatch"}
}

test_a_malformed_package_fact_still_fails_closed if {
	f := object.union(base_facts, {"package": "@a/x@1.0.0"})
	d := trust.decision with input as f with data.aam.config.security as {"require_signature": true}
	d.outcome == "fail"
	d.reasons[0].message == "?@? is not signed, and require_signature is true"
}

test_explain_reports_the_requirements if {
	f := object.union(maximum_facts, {"audit_log": {"registry": "corp", "checked": false, "consistent": false, "error": "offline"}})
	e := trust.explain with input as f with data.aam.config.security as maximum
	e.config.require_registry_attestation == true
	e.config.require_audit_log == true
	e.registry_attestation == {"required": true, "trusted": [0], "missing": false}
	e.audit_log.required == true
	e.audit_log.verified == false
	e.audit_log.fact.error == "offline"
	e.decision.outcome == "fail"
}

# An untrusted signer is named with its issuer, and the message says which entry would trust it.
test_untrusted_signer_message_names_identity_issuer_and_the_entry_it_needs if {
	sig := {"type": "sigstore", "valid": true, "errors": [], "identity": "brian@dehamer.com", "issuer": "https://github.com/login/oauth"}
	f := object.union(base_facts, {"signatures": [sig], "request": {"verify": true, "require_signature": false, "no_verify": false}})
	d := trust.decision with input as f with data.aam.config.security as {"trusted_identities": ["alice@example.com"]}
	some r in d.reasons
	r.code == "signer_untrusted"
	r.message == "sigstore signature by brian@dehamer.com (issuer https://github.com/login/oauth) is valid but not trusted by the policy; to trust it, add to security.trusted_identities: {identity: brian@dehamer.com, issuer: https://github.com/login/oauth}"
}

test_untrusted_ci_identity_suggests_its_repository if {
	sig := {
		"type": "sigstore", "valid": true, "errors": [],
		"identity": "https://github.com/acme/tools/.github/workflows/release.yml@refs/tags/v1",
		"issuer": "https://token.actions.githubusercontent.com",
		"claims": {"source_repository_owner_uri": "https://github.com/acme", "source_repository_uri": "https://github.com/acme/tools"},
	}
	f := object.union(base_facts, {"signatures": [sig], "request": {"verify": true, "require_signature": false, "no_verify": false}})
	d := trust.decision with input as f
	some r in d.reasons
	r.code == "signer_untrusted"
	endswith(r.message, "{identity: github:acme/tools, issuer: https://token.actions.githubusercontent.com}")
}

test_untrusted_key_suggests_trusted_keys if {
	sig := {"type": "gpg", "valid": true, "errors": [], "fingerprint": "AAAABBBBCCCCDDDDEEEEFFFF0000111122223333"}
	f := object.union(base_facts, {"signatures": [sig], "request": {"verify": true, "require_signature": false, "no_verify": false}})
	d := trust.decision with input as f
	some r in d.reasons
	r.code == "signer_untrusted"
	endswith(r.message, "add its key to security.trusted_keys: AAAABBBBCCCCDDDDEEEEFFFF0000111122223333")
}
