package aam.lib.identity_test

import data.aam.lib.identity
import rego.v1

email(id) := {"type": "sigstore", "identity": id, "issuer": "https://accounts.google.com"}

gh(owner, repo) := {
	"type": "sigstore",
	"identity": concat("", ["https://github.com/", owner, "/", repo, "/.github/workflows/release.yml@refs/heads/main"]),
	"issuer": "https://token.actions.githubusercontent.com",
	"claims": {
		"source_repository_owner_uri": concat("", ["https://github.com/", owner]),
		"source_repository_uri": concat("", ["https://github.com/", owner, "/", repo]),
	},
}

test_exact_email_is_case_insensitive if {
	identity.matches("alice@example.com", email("Alice@Example.COM"))
	not identity.matches("alice@example.com", email("alice@example.com.evil.org"))
	not identity.matches("alice@example.com", email("xalice@example.com"))
}

test_domain_pattern_has_no_subdomains if {
	identity.matches("*@example.com", email("bob@example.com"))
	not identity.matches("*@example.com", email("a@sub.example.com"))
	not identity.matches("*@example.com", email("a@example.com.evil.org"))
	not identity.matches("*@example.com", email("a@evilexample.com"))
	not identity.matches("*@example.com", email("@example.com"))
	not identity.matches("*@example.com", email("a@b@example.com"))
}

test_github_owner_and_repo if {
	identity.matches("github:sigstore", gh("sigstore", "cosign"))
	identity.matches("github:sigstore/cosign", gh("sigstore", "cosign"))
	not identity.matches("github:sig", gh("sigstore", "cosign"))
	not identity.matches("github:sigstore/cosign", gh("sigstore", "cosign-evil"))
	not identity.matches("github:sigstore", object.union(gh("sigstore", "cosign"), {"issuer": "https://accounts.google.com"}))
}

test_github_falls_back_to_the_san_uri if {
	sig := {"type": "sigstore", "identity": "https://github.com/octo/app/.github/workflows/ci.yml@refs/tags/v1", "issuer": "https://token.actions.githubusercontent.com"}
	identity.matches("github:octo/app", sig)
	not identity.matches("github:octo/ap", sig)
}

test_gitlab_prefix_is_anchored_on_a_path_boundary if {
	sig := {"type": "sigstore", "identity": "https://gitlab.com/alice/proj//.gitlab-ci.yml@refs/heads/main", "issuer": "https://gitlab.com"}
	identity.matches("gitlab:alice", sig)
	identity.matches("gitlab:alice/proj", sig)
	not identity.matches("gitlab:ali", sig)
	not identity.matches("gitlab:alice/pro", sig)
}

test_uri_is_exact if {
	uri := "https://github.com/o/r/.github/workflows/release.yml@refs/heads/main"
	identity.matches(uri, {"type": "sigstore", "identity": uri})
	not identity.matches(uri, {"type": "sigstore", "identity": concat("", [uri, "x"])})
}

test_issuer_pinning if {
	identity.matches({"identity": "*@example.com", "issuer": "https://accounts.google.com"}, email("a@example.com"))
	not identity.matches({"identity": "*@example.com", "issuer": "https://github.com/login/oauth"}, email("a@example.com"))
}

test_gitlab_prefers_the_repository_claim_over_the_san if {
	# The SAN names the CI config file; a pipeline in evil/proj may include alice/proj's config.
	sig := {
		"type": "sigstore",
		"identity": "https://gitlab.com/alice/proj//.gitlab-ci.yml@refs/heads/main",
		"issuer": "https://gitlab.com",
		"claims": {"source_repository_uri": "https://gitlab.com/evil/proj"},
	}
	not identity.matches("gitlab:alice", sig)
	identity.matches("gitlab:evil", sig)
}

test_only_sigstore_signatures_carry_identities if {
	not identity.matches("alice@example.com", {"type": "gpg", "identity": "alice@example.com"})
	not identity.matches("alice@example.com", {"identity": "alice@example.com"})
}

test_email_patterns_never_match_uris_or_unicode_lookalikes if {
	not identity.matches("*@example.com", email("https://x@example.com"))
	not identity.matches("*@kernel.org", email("a@\u212aernel.org"))
	not identity.matches("a@kernel.org", email("a@\u212aernel.org"))
}
