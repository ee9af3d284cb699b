# METADATA
# title: AAM default trust decision
# description: |
#   The seed's Trust Model flowchart made exact (SPEC §5). Input: facts (schema facts/v1) gathered by the
#   host. Config: data.aam.config.security (a generated module holding config.yaml as a JSON literal, or data
#   passed to the prebuilt WASM). Output: decision = {outcome: install|warn|fail, reasons: [...]}.
package aam.trust

import data.aam.lib.identity
import data.aam.lib.keys
import rego.v1

defaults := {
	"require_signature": false,
	"on_signature_failure": "warn",
	"trusted_identities": [],
	"trusted_keys": [],
	"trust_registry_attestations": false,
	"trusted_registries": [],
	"require_registry_attestation": false,
	"require_audit_log": false,
	"require_scans": [],
	"max_log_age": 0,
}

# One setting from data.aam.config.security, else its default. Read key by key: merging the whole config
# into the defaults would copy every trust list on every evaluation.
setting(name) := value if {
	value := data.aam.config.security[name]
	value != null
} else := defaults[name]

mode := setting("on_signature_failure")

# Safe on malformed facts: a message that cannot be built would make its reason (and so a failure) disappear.
pkg := p if {
	p := input["package"]
	is_object(p)
} else := {}

pkg_id := concat("", [text_or(pkg, "name", "?"), "@", text_or(pkg, "version", "?")])

text_or(obj, key, fallback) := v if {
	v := obj[key]
	is_string(v)
} else := fallback

# Every piece of evidence: signatures, then registry attestations, each with its position.
evidence := array.concat(
	[as_evidence(s, "signature", i) | some i, s in object.get(input, "signatures", [])],
	[as_evidence(a, "attestation", i) | some i, a in object.get(input, "attestations", [])],
)

# A malformed fact is kept as an invalid signature: it can never be trusted, and it is never dropped.
as_evidence(s, kind, i) := object.union(s, {"kind": kind, "index": i}) if {
	is_object(s)
} else := {"type": "unknown", "valid": false, "errors": ["malformed signature fact"], "kind": kind, "index": i}

sig_type(sig) := t if {
	t := sig.type
	is_string(t)
} else := "unknown"

# Error texts joined safely: a non-string error cannot make a reason (and so a failure) disappear.
sig_errors(sig) := concat("; ", [e | some e in object.get(sig, "errors", []); is_string(e)])

checksums := object.get(input, "checksum", {})

# ---- Rule 1: a checksum mismatch always fails. -------------------------------------------------

# Fail closed: anything but two equal checksum strings (and a lock that agrees) is a mismatch.
checksum_mismatch if not checksum_ok

checksum_ok if {
	same_text(checksums.expected, checksums.actual)
	not lock_disagrees
}

# The lock recorded this very version with other bytes.
lock_disagrees if {
	input.lock.version == input.package.version
	not same_text(input.lock.checksum, checksums.actual)
}

same_text(a, b) if {
	is_string(a)
	is_string(b)
	a != ""
	lower(a) == lower(b)
}

# ---- Rule 2: signatures are judged when required or asked for. -----------------------------------

# Signatures are required by config.yaml or by --require-signature; the flag can only tighten.
required if setting("require_signature") == true

required if input.request.require_signature == true

# The explicit requirements beyond a signature (the seed's Maximum level). Like require_signature, each makes
# signatures judged (--no-verify cannot skip it), and its failure is always a failure: on_signature_failure
# (warn, ignore) governs signatures that are bad or untrusted, never a requirement that is not met.
require_attestation if setting("require_registry_attestation") == true

require_audit_log if setting("require_audit_log") == true

evaluate if required

evaluate if require_attestation

evaluate if require_audit_log

evaluate if require_fresh_log

evaluate if require_scans

# max_log_age: seconds (the host converts 24h and the like), 0 when not set.
max_log_age := n if {
	n := setting("max_log_age")
	is_number(n)
} else := 0

require_fresh_log if max_log_age > 0

evaluate if {
	input.request.verify == true
	not input.request.no_verify == true
}

# The evidence the signature rules (3, 5, 6) judge. Under require_registry_attestation the attestations have a
# rule of their own (attestation_missing), so the author's signatures must pass the signature rules by themselves:
# the required attestation is on top of them, not instead of them.
signature_evidence := [e | some e in evidence; counts_as_signature(e)]

counts_as_signature(e) if not require_attestation

counts_as_signature(e) if e.kind == "signature"

unsigned if count(signature_evidence) == 0

# ---- Rule 5: trust. -------------------------------------------------------------------------------

# The trust lists, prepared once per evaluation.
identity_rules := [identity.compile(e) | some e in setting("trusted_identities")]

key_rules := [{"entry": k, "normalized": keys.normalize(k)} | some k in setting("trusted_keys"); is_string(k)]

# The first trusted_identities / trusted_keys entry that matches (several may: the first one is reported).
trusted_by(sig) := {"identity": m[0]} if {
	sig.kind == "signature"
	m := [r.entry | some r in identity_rules; identity.matches_compiled(r, sig)]
	count(m) > 0
} else := {"key": m[0]} if {
	sig.kind == "signature"
	m := [r.entry | some r in key_rules; keys.matches_normalized(r.normalized, sig)]
	count(m) > 0
} else := {"registry": sig.registry} if {
	sig.kind == "attestation"
	attestation_trusted(sig)
}

attestation_trusted(att) if {
	setting("trust_registry_attestations") == true
	att.registry in setting("trusted_registries")
	lower(att.subject_digest) == lower(input.checksum.actual)
	att.name == input.package.name
	att.version == input.package.version
}

valid(sig) if sig.valid == true

# Each piece of evidence judged once: what trusted it, or null.
judged := [{"sig": sig, "by": trust_of(sig)} | some sig in evidence]

trust_of(sig) := by if {
	valid(sig)
	by := trusted_by(sig)
} else := null

trusted_evidence := {j.sig | some j in judged; j.by != null}

# Rule 5 for the signature rules: some piece of signature_evidence is valid and trusted.
any_trusted if {
	some j in judged
	j.by != null
	counts_as_signature(j.sig)
}

# ---- The required registry attestation and audit log. ----------------------------------------------

trusted_attestations := [j.sig | some j in judged; j.by != null; j.sig.kind == "attestation"]

attestation_missing if {
	require_attestation
	count(trusted_attestations) == 0
}

# Why an attestation is not trusted: the first check it fails (the same checks as attestation_trusted). Every
# field is read with a fallback: a missing one fails its check instead of making the explanation undefined.
attestation_problem(att) := concat("", ["the attestation by ", signer_label(att), " is invalid: ", sig_errors(att)]) if {
	not valid(att)
} else := "trust_registry_attestations is false" if {
	not setting("trust_registry_attestations") == true
} else := concat("", ["registry ", json.marshal(text_or(att, "registry", "")), " is not in trusted_registries"]) if {
	not text_or(att, "registry", "") in setting("trusted_registries")
} else := concat("", ["the attestation by ", text_or(att, "registry", ""), " is for other bytes"]) if {
	not lower(text_or(att, "subject_digest", "-")) == lower(text_or(checksums, "actual", ""))
} else := concat("", ["the attestation by ", text_or(att, "registry", ""), " is for ", text_or(att, "name", "?"), "@", text_or(att, "version", "?")])

attestation_detail := "it has none" if {
	count([a | some a in evidence; a.kind == "attestation"]) == 0
} else := concat("; ", [attestation_problem(a) | some a in evidence; a.kind == "attestation"])

# ---- Required scans (require_scans): a trusted registry attestation records each scanner's result. --

required_scans := s if {
	s := setting("require_scans")
	is_array(s)
} else := []

require_scans if count(required_scans) > 0

# Each trusted attestation's record of a scanner, by name (malformed records are never a scan).
attested_scans(name) := [{"scan": x, "att": a} |
	some a in trusted_attestations
	some x in object.get(a, "scans", [])
	is_object(x)
	x.name == name
]

# clean | approved (findings an approver reviewed, after the registry's policy held them) | findings | missing
scan_state(name) := "clean" if {
	some e in attested_scans(name)
	e.scan.result == "clean"
} else := "approved" if {
	some e in attested_scans(name)
	e.scan.result == "findings"
	held_and_approved(e.att)
} else := "findings" if {
	count(attested_scans(name)) > 0
} else := "missing"

held_and_approved(att) if {
	att.publish_policy.decision == "hold"
	count(approvers(att)) > 0
}

approvers(att) := [a | some a in object.get(att, "approved_by", []); is_string(a)]

# The record a reason speaks of: a clean one, else a reviewed one, else the first (always one value: an
# attestation may record a scanner twice, and a function must not answer twice).
scan_record(name) := clean[0] if {
	clean := [e | some e in attested_scans(name); e.scan.result == "clean"]
	count(clean) > 0
} else := reviewed[0] if {
	reviewed := [e | some e in attested_scans(name); e.scan.result == "findings"; held_and_approved(e.att)]
	count(reviewed) > 0
} else := attested_scans(name)[0]

scan_rules(scan) := concat(", ", sort({f.rule | some f in object.get(scan, "findings", []); is_string(f.rule)}))

recorded_scans := concat(", ", sort({x.name | some a in trusted_attestations; some x in object.get(a, "scans", []); is_string(x.name)}))

scan_missing_detail := concat("", ["no trusted registry attestation: ", attestation_detail]) if {
	count(trusted_attestations) == 0
} else := "its trusted attestation records no scans" if {
	recorded_scans == ""
} else := concat("", ["its trusted attestation records ", recorded_scans])

package_registry := text_or(pkg, "registry", "")

from_registry := concat("", [" from registry ", package_registry]) if {
	package_registry != ""
} else := ""

audit_fact := f if {
	f := input.audit_log
	is_object(f)
} else := null

# The log was checked, is consistent, and is the log of the registry the package came from.
audit_log_verified if {
	audit_fact.checked == true
	audit_fact.consistent == true
	not audit_log_of_another_registry
}

audit_log_of_another_registry if {
	package_registry != ""
	text_or(audit_fact, "registry", "") != package_registry
}

audit_log_unverified if {
	require_audit_log
	not audit_log_verified
}

# The registry the package came from, else the one the host checked.
audit_registry := r if {
	r := package_registry
	r != ""
} else := r if {
	r := text_or(audit_fact, "registry", "")
	r != ""
} else := "(unknown)"

audit_error := e if {
	e := text_or(audit_fact, "error", "")
	e != ""
} else := "no reason given"

audit_problem := "the host did not check it" if {
	audit_fact == null
} else := concat("", ["not checked: ", audit_error]) if {
	not audit_fact.checked == true
} else := concat("", ["not consistent: ", audit_error]) if {
	not audit_fact.consistent == true
} else := concat("", ["the check was made on the log of registry ", json.marshal(object.get(audit_fact, "registry", null)), ", not ", package_registry])

# Where the registry's metadata (versions, yanks, dist-tags) differs from what its proven log says.
state_problems := [p | some p in ps; is_string(p)] if {
	ps := audit_fact.state_problems
	is_array(ps)
} else := []

# The seconds since the registry signed the checkpoint (a verified signed time), or null.
checkpoint_age := age if {
	age := audit_fact.checkpoint_age
	is_number(age)
} else := null

# How far ahead of the host's clock a signed time may be (clocks differ) before it is a time signed in advance.
max_clock_skew := 300

# The log was checked, is consistent, and carries a signed time no older than max_log_age (nor from the future).
log_fresh if {
	audit_log_verified
	checkpoint_age != null
	checkpoint_age >= 0 - max_clock_skew
	checkpoint_age <= max_log_age
}

stale_problem := concat("", ["it was not verified: ", audit_problem]) if {
	not audit_log_verified
} else := "its checkpoint carries no signed time" if {
	checkpoint_age == null
} else := concat("", ["its checkpoint is signed ", format_int(0 - checkpoint_age, 10), " s ahead of this machine's clock (a time signed in advance to be replayed later, or a clock that is wrong)"]) if {
	checkpoint_age < 0 - max_clock_skew
} else := concat("", ["its checkpoint was signed ", format_int(checkpoint_age, 10), " s ago"])

# ---- Trust on first use: the signer recorded in the lock must sign again. --------------------------

# Who signed, for trust on first use: type, identity (emails case-insensitive), issuer, key, registry.
signer_key(s) := concat("|", [
	text(s, "type"),
	signer_identity(text(s, "identity")),
	text(s, "issuer"),
	keys.normalize(text(s, "fingerprint")),
	text(s, "registry"),
])

signer_identity(id) := lower(id) if {
	contains(id, "@")
	not contains(id, "://")
} else := id

text(obj, key) := text_or(obj, key, "")

recorded_signers := {signer_key(s) | some s in object.get(object.get(input, "lock", {}), "signatures", [])}

current_signers := {signer_key(s) | some s in trusted_evidence}

# Every valid piece of evidence, trusted or not: a recorded signer among them still signs.
valid_signers := {signer_key(s) | some s in evidence; valid(s)}

no_recorded_signer_trusted if {
	count(recorded_signers) > 0
	mode != "ignore"
	count(recorded_signers & current_signers) == 0
}

# Another signer now (or none): the package changed hands, or the signature was removed.
signer_changed if {
	no_recorded_signer_trusted
	count(recorded_signers & valid_signers) == 0
}

# The signer recorded at install still signs, but the policy no longer trusts it (trust was withdrawn).
signer_no_longer_trusted if {
	no_recorded_signer_trusted
	count(recorded_signers & valid_signers) > 0
}

# The first such signer (a complete rule must have one value, whatever the number of signatures).
still_signing_label := labels[0] if {
	labels := [signer_label(s) | some s in evidence; valid(s); signer_key(s) in recorded_signers]
	count(labels) > 0
} else := "the same signer"

# ---- Reasons. Each has an effect: fail, warn, note or pass. -----------------------------------------

# Unknown modes fail: only "warn" softens a failure.
failure_effect := "warn" if {
	mode == "warn"
} else := "fail"

reasons contains {
	"code": "checksum_mismatch",
	"effect": "fail",
	"rule": "aam.trust.checksum_mismatch",
	"message": concat("", ["checksum of ", pkg_id, " does not match: expected ", json.marshal(object.get(checksums, "expected", null)), ", got ", json.marshal(object.get(checksums, "actual", null))]),
} if checksum_mismatch

reasons contains {
	"code": "unsigned",
	"effect": "fail",
	"rule": "aam.trust.unsigned",
	"message": concat("", [pkg_id, unsigned_what, ", and require_signature is true"]),
} if {
	not checksum_mismatch
	evaluate
	unsigned
	required
}

reasons contains {
	"code": "unsigned",
	"effect": "note",
	"rule": "aam.trust.unsigned",
	"message": concat("", [pkg_id, unsigned_what]),
} if {
	not checksum_mismatch
	evaluate
	unsigned
	not required
}

unsigned_what := " is not signed (a registry attestation is not an author signature when require_registry_attestation is true)" if {
	count(evidence) > 0
} else := " is not signed"

reasons contains {
	"code": "trusted",
	"effect": "pass",
	"rule": "aam.trust.trusted",
	"signature": sig.index,
	"kind": sig.kind,
	"matched": j.by,
	"message": concat("", [sig_type(sig), " signature by ", signer_label(sig), " is valid and trusted"]),
} if {
	not checksum_mismatch
	evaluate
	mode != "ignore"
	some j in judged
	j.by != null
	sig := j.sig
}

reasons contains {
	"code": "signature_invalid",
	"effect": failure_effect,
	"rule": "aam.trust.signature_invalid",
	"signature": sig.index,
	"kind": sig.kind,
	"message": concat("", [sig_type(sig), " signature is invalid: ", sig_errors(sig)]),
} if {
	not checksum_mismatch
	evaluate
	mode != "ignore"
	not any_trusted
	some sig in signature_evidence
	not valid(sig)
}

reasons contains {
	"code": "signer_untrusted",
	"effect": failure_effect,
	"rule": "aam.trust.signer_untrusted",
	"signature": sig.index,
	"kind": sig.kind,
	"message": concat("", [sig_type(sig), " signature by ", signer_label(sig), issuer_note(sig), " is valid but not trusted by the policy", needed_entry(sig)]),
} if {
	not checksum_mismatch
	evaluate
	mode != "ignore"
	not any_trusted
	some sig in signature_evidence
	valid(sig)
}

reasons contains {
	"code": "signer_no_longer_trusted",
	"effect": failure_effect,
	"rule": "aam.trust.signer_no_longer_trusted",
	"message": concat("", [pkg_id, " is still signed by ", still_signing_label, ", its signer when it was installed, but the policy no longer trusts that signer"]),
} if {
	not checksum_mismatch
	signer_no_longer_trusted
}

reasons contains {
	"code": "signer_changed",
	"effect": failure_effect,
	"rule": "aam.trust.signer_changed",
	"message": concat("", [pkg_id, " was installed before with a trusted signer that no longer signs it"]),
} if {
	not checksum_mismatch
	signer_changed
}

# A requirement that is not met fails under every on_signature_failure, like the unsigned rule above.
reasons contains {
	"code": "attestation_missing",
	"effect": "fail",
	"rule": "aam.trust.attestation_missing",
	"message": concat("", [pkg_id, from_registry, " has no valid attestation from a trusted registry, and require_registry_attestation is true (", attestation_detail, ")"]),
} if {
	not checksum_mismatch
	evaluate
	attestation_missing
}

reasons contains {
	"code": "audit_log_unverified",
	"effect": "fail",
	"rule": "aam.trust.audit_log_unverified",
	"message": concat("", ["the audit log of registry ", audit_registry, " is not verified for ", pkg_id, " (", audit_problem, "), and require_audit_log is true"]),
} if {
	not checksum_mismatch
	evaluate
	audit_log_unverified
}

# What a proven log says is what the registry must serve: a dist-tag moved back, a yank hidden, a version hidden
# or shown that the log does not hold are all refused, under every on_signature_failure.
reasons contains {
	"code": "registry_state_mismatch",
	"effect": "fail",
	"rule": "aam.trust.registry_state_mismatch",
	"message": concat("", ["registry ", audit_registry, " serves ", pkg_id, " otherwise than its audit log says: ", concat("; ", state_problems)]),
} if {
	not checksum_mismatch
	evaluate
	count(state_problems) > 0
}

# A log that is older than max_log_age (or cannot say when it was signed) may be frozen or replayed.
reasons contains {
	"code": "audit_log_stale",
	"effect": "fail",
	"rule": "aam.trust.audit_log_stale",
	"message": concat("", ["the audit log of registry ", audit_registry, " is not fresh for ", pkg_id, " (", stale_problem, "; max_log_age is ", format_int(max_log_age, 10), " s): a frozen or replayed log"]),
} if {
	not checksum_mismatch
	evaluate
	require_fresh_log
	not log_fresh
}

# A required scan that no trusted attestation records, or whose findings nobody reviewed, fails under every
# on_signature_failure; findings an approver reviewed after the registry held them warn.
reasons contains {
	"code": "scan_missing",
	"effect": "fail",
	"rule": "aam.trust.scan_missing",
	"message": concat("", [pkg_id, from_registry, " has no ", name, " scan on record, and require_scans names it (", scan_missing_detail, ")"]),
} if {
	not checksum_mismatch
	evaluate
	some name in required_scans
	scan_state(name) == "missing"
}

reasons contains {
	"code": "scan_not_clean",
	"effect": "fail",
	"rule": "aam.trust.scan_not_clean",
	"message": concat("", ["the ", name, " scan of ", pkg_id, " found ", scan_rules(scan_record(name).scan), " and no approver reviewed it, and require_scans names ", name]),
} if {
	not checksum_mismatch
	evaluate
	some name in required_scans
	scan_state(name) == "findings"
}

reasons contains {
	"code": "scan_findings_approved",
	"effect": "warn",
	"rule": "aam.trust.scan_findings_approved",
	"message": concat("", ["the ", name, " scan of ", pkg_id, " found ", scan_rules(scan_record(name).scan), "; registry ", text_or(scan_record(name).att, "registry", ""), " held it and ", concat(", ", approvers(scan_record(name).att)), " approved it after review"]),
} if {
	not checksum_mismatch
	evaluate
	some name in required_scans
	scan_state(name) == "approved"
}

reasons contains {
	"code": "scan_clean",
	"effect": "pass",
	"rule": "aam.trust.scan_clean",
	"message": concat("", ["registry ", text_or(scan_record(name).att, "registry", ""), " attests a clean ", name, " scan (", text_or(scan_record(name).scan, "version", "?"), ", database ", text_or(scan_record(name).scan, "database", "none"), ")"]),
} if {
	not checksum_mismatch
	evaluate
	some name in required_scans
	scan_state(name) == "clean"
}

# ` (issuer https://...)` for a Sigstore identity: the same address from another issuer is another signer.
issuer_note(sig) := concat("", [" (issuer ", sig.issuer, ")"]) if {
	is_string(sig.issuer)
	sig.issuer != ""
} else := ""

# What the config would need to trust this signer: the tightest trusted_identities pattern that matches it (with
# its issuer pinned), or its key for trusted_keys. Advice only: nothing is trusted by it.
needed_entry(sig) := concat("", ["; to trust it, add to security.trusted_identities: {identity: ", p, ", issuer: ", sig.issuer, "}"]) if {
	sig_type(sig) == "sigstore"
	p := identity.suggest(sig)
	is_string(sig.issuer)
	sig.issuer != ""
} else := concat("", ["; to trust it, add to security.trusted_identities: ", p]) if {
	sig_type(sig) == "sigstore"
	p := identity.suggest(sig)
} else := concat("", ["; to trust it, add its key to security.trusted_keys: ", sig.fingerprint]) if {
	is_string(sig.fingerprint)
	sig.fingerprint != ""
} else := ""

signer_label(sig) := sig.identity if {
	is_string(sig.identity)
	sig.identity != ""
} else := sig.fingerprint if {
	is_string(sig.fingerprint)
	sig.fingerprint != ""
} else := sig.registry if {
	is_string(sig.registry)
	sig.registry != ""
} else := "an unknown signer"

# ---- Rule 7: enterprise modules (package aam.custom) add deny (fail) and warn reasons. --------------

# Whatever shape a module gives its reason, it becomes a reason: a deny can never vanish for being malformed.
custom_reason(r, code) := object.union(custom_defaults(code), r) if {
	is_object(r)
} else := object.union(custom_defaults(code), {"message": r}) if {
	is_string(r)
} else := object.union(custom_defaults(code), {"message": json.marshal(r)})

custom_defaults(code) := {"code": code, "rule": concat("", ["aam.custom.", code]), "message": concat("", ["a policy module says ", code])}

reasons contains object.union(custom_reason(r, "deny"), {"effect": "fail"}) if {
	some r in data.aam.custom.deny
}

reasons contains object.union(custom_reason(r, "warn"), {"effect": "warn"}) if {
	some r in data.aam.custom.warn
}

# ---- The outcome. -----------------------------------------------------------------------------------

effects := {r.effect | some r in reasons}

# A checksum mismatch fails directly, not only through its reason.
outcome := "fail" if {
	checksum_mismatch
} else := "fail" if {
	"fail" in effects
}

else := "warn" if {
	"warn" in effects
}

else := "install"

decision := {
	"outcome": outcome,
	"reasons": [r | some r in reasons],
	"evaluated": evaluate_flag,
	"verified": verified_flag,
}

# METADATA
# description: |
#   The artifact is verified: nothing fails and some piece of evidence is valid and trusted by the default
#   rules (a module's reasons cannot say "trusted"). What `aam verify FILE` answers, like cosign verify-blob:
#   a warning that would let an install proceed is not a verification.
verified if {
	outcome != "fail"
	some r in reasons
	r.rule == "aam.trust.trusted"
	r.effect == "pass"
}

verified_flag if {
	verified
}

else := false

evaluate_flag if {
	evaluate
}

else := false
