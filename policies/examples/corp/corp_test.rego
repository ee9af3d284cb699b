package aam.custom_test

import data.aam.trust
import rego.v1

digest := "sha256:1111111111111111111111111111111111111111111111111111111111111111"

facts(name, sigs) := {
	"facts_version": 1,
	"package": {"name": name, "version": "1.0.0", "registry": "corp"},
	"checksum": {"expected": digest, "actual": digest},
	"signatures": sigs,
	"attestations": [],
	"request": {"verify": true, "require_signature": true, "no_verify": false},
}

sig(who) := {"type": "sigstore", "valid": true, "errors": [], "identity": who, "issuer": "https://accounts.google.com"}

config := {"require_signature": true, "on_signature_failure": "error", "trusted_identities": ["*@corp.example"]}

test_corp_package_with_one_signer_is_denied if {
	d := trust.decision with input as facts("@corp/tool", [sig("alice@corp.example")]) with data.aam.config.security as config
	d.outcome == "fail"
	some r in d.reasons
	r.code == "corp_two_signers"
	r.effect == "fail"
}

test_corp_package_with_two_signers_installs if {
	f := facts("@corp/tool", [sig("alice@corp.example"), sig("bob@corp.example")])
	d := trust.decision with input as f with data.aam.config.security as config
	d.outcome == "install"
}

test_the_same_signer_twice_is_one_signer if {
	f := facts("@corp/tool", [sig("alice@corp.example"), sig("alice@corp.example")])
	d := trust.decision with input as f with data.aam.config.security as config
	d.outcome == "fail"
}

test_other_packages_are_not_affected if {
	d := trust.decision with input as facts("@other/tool", [sig("alice@corp.example")]) with data.aam.config.security as config
	d.outcome == "install"
}

test_yanked_is_denied if {
	base := facts("@other/tool", [sig("alice@corp.example")])
	f := object.union(base, {"package": object.union(base.package, {"yanked": true})})
	d := trust.decision with input as f with data.aam.config.security as config
	d.outcome == "fail"
	some r in d.reasons
	r.code == "yanked"
}

test_deny_cannot_hide_a_checksum_failure if {
	f := object.union(facts("@corp/tool", []), {"checksum": {"expected": digest, "actual": "sha256:00"}})
	d := trust.decision with input as f with data.aam.config.security as config
	d.outcome == "fail"
	some r in d.reasons
	r.code == "checksum_mismatch"
}
