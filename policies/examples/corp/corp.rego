# METADATA
# title: Example enterprise rules for @corp packages
# description: |
#   Enterprise modules declare `package aam.custom` and add `deny` (fail) and `warn` reasons; they cannot
#   replace the default decision or turn a checksum failure into a pass. Use it with:
#     policy:
#       modules: [policies/examples/corp]
package aam.custom

import data.aam.trust
import rego.v1

corp_package if startswith(input.package.name, "@corp/")

# Distinct signers the default policy trusted for this package.
trusted_signers := {trust.signer_key(s) | some s in trust.trusted_evidence}

# METADATA
# description: "@corp/* packages need two distinct trusted signers (four-eyes release)."
deny contains {
	"code": "corp_two_signers",
	"message": concat("", [
		input.package.name, " needs 2 distinct trusted signers, has ",
		format_int(count(trusted_signers), 10),
	]),
} if {
	corp_package
	count(trusted_signers) < 2
}

# METADATA
# description: a yanked version is never installed, even when asked for by exact version.
deny contains {
	"code": "yanked",
	"message": concat("", [input.package.name, "@", input.package.version, " is yanked"]),
} if {
	input.package.yanked == true
}

# METADATA
# description: packages from outside the corporate registry get a warning.
warn contains {
	"code": "external_registry",
	"message": concat("", [input.package.name, " comes from registry ", input.package.registry, ", not corp"]),
} if {
	corp_package
	input.package.registry != "corp"
}
