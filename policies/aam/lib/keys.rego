# METADATA
# title: Key fingerprint matching
# description: |
#   `trusted_keys` entries are full OpenPGP fingerprints (40 or 64 hex digits, any case, spaces ignored)
#   or `sha256:<hex>` of a PEM key's SPKI DER. A signature carries the primary-key fingerprint of the key
#   that made it (a signing subkey counts for its primary key), normalised the same way.
package aam.lib.keys

import rego.v1

# METADATA
# description: upper-case hex without spaces; `sha256:` digests lower-case.
normalize(k) := lower(k) if startswith(lower(k), "sha256:")

normalize(k) := upper(replace(k, " ", "")) if not startswith(lower(k), "sha256:")

# METADATA
# description: true when the signature's key fingerprint equals the trusted entry exactly (never a suffix).
matches(entry, sig) if matches_normalized(normalize(entry), sig)

# METADATA
# description: as matches, with the trusted entry normalised once per evaluation.
matches_normalized(want, sig) if {
	fp := object.get(sig, "fingerprint", "")
	is_string(fp)
	fp != ""
	normalize(fp) == want
}

mismatch(entry, sig) := "signature names no key fingerprint" if {
	object.get(sig, "fingerprint", "") == ""
} else := concat("", ["key ", normalize(sig.fingerprint), " is not ", normalize(entry)])
