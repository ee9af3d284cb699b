# METADATA
# title: Sigstore identity matching
# description: |
#   Matches a verified signature's decoded certificate fields against one `trusted_identities` entry
#   (SPEC §4). Exact comparisons and prefix checks only: never an unanchored regular expression.
package aam.lib.identity

import rego.v1

github_issuer := "https://token.actions.githubusercontent.com"

gitlab_issuer := "https://gitlab.com"

# The pattern of an entry: a string, or {identity, issuer}.
pattern(entry) := entry if is_string(entry)

pattern(entry) := entry.identity if is_object(entry)

# METADATA
# description: true when the signature's identity fits the entry (pattern and, when pinned, issuer).
matches(entry, sig) if matches_compiled(compile(entry), sig)

# METADATA
# description: |
#   An entry prepared once per evaluation (kind and lower-case pattern computed once), so matching many
#   signatures against many entries stays cheap. An entry that fits no row compiles to kind "invalid".
compile(entry) := {"entry": entry, "pattern": p, "lower": lower(p), "kind": k, "issuer": pinned_issuer(entry)} if {
	p := pattern(entry)
	is_string(p)
	k := kind(p)
} else := {"entry": entry, "pattern": "", "lower": "", "kind": "invalid", "issuer": null}

pinned_issuer(entry) := entry.issuer if {
	is_object(entry)
	is_string(entry.issuer)
} else := null

# Identities come from Fulcio certificates: only Sigstore signatures are matched against them.
matches_compiled(rule, sig) if {
	sig.type == "sigstore"
	issuer_pin_ok(rule, sig)
	kind_matches(rule, sig)
}

# An email SAN, never a URI that happens to contain an @. Its case mapping must round-trip: characters whose
# lower case is another script's letter (the Kelvin sign lowers to an ASCII k) cannot make a look-alike
# domain equal a trusted one.
email_identity(sig) := id if {
	id := identity(sig)
	not contains(id, "://")
	upper(lower(id)) == upper(id)
}

issuer_pin_ok(rule, _) if rule.issuer == null

issuer_pin_ok(rule, sig) if {
	rule.issuer != null
	rule.issuer == object.get(sig, "issuer", "")
}

issuer_ok(entry, sig) if issuer_pin_ok(compile(entry), sig)

kind(p) := "email-domain" if startswith(p, "*@")

kind(p) := "github" if startswith(p, "github:")

kind(p) := "gitlab" if startswith(p, "gitlab:")

kind(p) := "uri" if startswith(p, "https://")

kind(p) := "email" if {
	not startswith(p, "*@")
	not startswith(p, "github:")
	not startswith(p, "gitlab:")
	not startswith(p, "https://")
	contains(p, "@")
}

identity(sig) := object.get(sig, "identity", "")

# alice@example.com: the email SAN equals it, case-insensitively.
kind_matches(rule, sig) if {
	rule.kind == "email"
	lower(email_identity(sig)) == rule.lower
}

# *@example.com: the email SAN's domain part equals example.com exactly (no subdomains).
kind_matches(rule, sig) if {
	rule.kind == "email-domain"
	parts := split(email_identity(sig), "@")
	count(parts) == 2
	parts[0] != ""
	lower(parts[1]) == substring(rule.lower, 2, -1)
}

# https://...: the URI SAN equals it exactly.
kind_matches(rule, sig) if {
	rule.kind == "uri"
	identity(sig) == rule.pattern
}

# github:OWNER[/REPO]: GitHub Actions issuer, and the repository owner (claim, else SAN URI) is OWNER.
kind_matches(rule, sig) if {
	rule.kind == "github"
	object.get(sig, "issuer", "") == github_issuer
	want := split(substring(rule.pattern, count("github:"), -1), "/")
	have := github_repo(sig)
	lower(have[0]) == lower(want[0])
	github_repo_ok(want, have)
}

github_repo_ok(want, _) if count(want) == 1

github_repo_ok(want, have) if {
	count(want) == 2
	count(have) == 2
	lower(have[1]) == lower(want[1])
}

# [owner] or [owner, repo] from the Fulcio claims, else from the SAN URI https://github.com/OWNER/REPO/...
github_repo(sig) := [owner, repo] if {
	owner := trim_prefix(sig.claims.source_repository_owner_uri, "https://github.com/")
	not contains(owner, "/")
	startswith(sig.claims.source_repository_owner_uri, "https://github.com/")
	repo_uri := sig.claims.source_repository_uri
	startswith(repo_uri, concat("", ["https://github.com/", owner, "/"]))
	repo := trim_prefix(repo_uri, concat("", ["https://github.com/", owner, "/"]))
} else := [owner] if {
	startswith(sig.claims.source_repository_owner_uri, "https://github.com/")
	owner := trim_prefix(sig.claims.source_repository_owner_uri, "https://github.com/")
	not contains(owner, "/")
} else := [parts[3], parts[4]] if {
	startswith(identity(sig), "https://github.com/")
	parts := split(identity(sig), "/")
	count(parts) >= 5
}

# gitlab:OWNER[/PROJECT]: the GitLab issuer, and the SAN URI (or repository claim) is under https://gitlab.com/OWNER[/PROJECT]/.
kind_matches(rule, sig) if {
	rule.kind == "gitlab"
	object.get(sig, "issuer", "") == gitlab_issuer
	prefix := concat("", ["https://gitlab.com/", substring(rule.pattern, count("gitlab:"), -1), "/"])
	startswith(concat("", [gitlab_repository(sig), "/"]), prefix)
}

# The repository the pipeline ran in: the claim when Fulcio gives it (the SAN names the CI config file,
# which a pipeline may include from another project), else the SAN URI.
gitlab_repository(sig) := uri if {
	uri := sig.claims.source_repository_uri
	is_string(uri)
	uri != ""
} else := identity(sig)

# METADATA
# description: a short human reason why an entry does not match (for `aam policy eval --explain`).
mismatch(entry, sig) := "signature has no verified identity" if {
	identity(sig) == ""
} else := concat("", ["issuer ", object.get(sig, "issuer", "(none)"), " is not the pinned issuer ", entry.issuer]) if {
	not issuer_ok(entry, sig)
} else := concat("", ["'", pattern(entry), "' is not a valid identity pattern"]) if {
	not kind(pattern(entry))
} else := reason(pattern(entry), sig)

reason(p, sig) := concat("", ["email ", identity(sig), " is not ", p]) if kind(p) == "email"

reason(p, sig) := concat("", ["email ", identity(sig), " is not in domain ", substring(p, 2, -1), " (subdomains do not count)"]) if kind(p) == "email-domain"

reason(p, sig) := concat("", ["URI ", identity(sig), " is not exactly ", p]) if kind(p) == "uri"

reason(p, sig) := concat("", ["issuer ", object.get(sig, "issuer", "(none)"), " is not ", github_issuer]) if {
	kind(p) == "github"
	object.get(sig, "issuer", "") != github_issuer
} else := concat("", ["repository ", concat("/", github_repo(sig)), " is not under ", substring(p, count("github:"), -1)]) if {
	kind(p) == "github"
} else := "no GitHub repository claim" if {
	kind(p) == "github"
}

reason(p, sig) := concat("", ["issuer ", object.get(sig, "issuer", "(none)"), " is not ", gitlab_issuer]) if {
	kind(p) == "gitlab"
	object.get(sig, "issuer", "") != gitlab_issuer
} else := concat("", [identity(sig), " is not under https://gitlab.com/", substring(p, count("gitlab:"), -1), "/"]) if {
	kind(p) == "gitlab"
}

# METADATA
# description: |
#   The tightest pattern that matches a signature's identity, for advice in messages: the email itself, the
#   GitHub or GitLab repository of a CI identity, else the exact URI. Undefined when there is no identity.
suggest(sig) := id if {
	id := email_identity(sig)
	contains(id, "@")
} else := concat("", ["github:", concat("/", repo)]) if {
	object.get(sig, "issuer", "") == github_issuer
	repo := github_repo(sig)
	count(repo) == 2
} else := concat("", ["gitlab:", trim_prefix(gitlab_repository(sig), "https://gitlab.com/")]) if {
	object.get(sig, "issuer", "") == gitlab_issuer
	startswith(gitlab_repository(sig), "https://gitlab.com/")
} else := id if {
	id := identity(sig)
	startswith(id, "https://")
}
