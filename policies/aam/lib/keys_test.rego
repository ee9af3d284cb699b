package aam.lib.keys_test

import data.aam.lib.keys
import rego.v1

fp := "AAAABBBBCCCCDDDDEEEEFFFF0000111122223333"

test_full_fingerprint_any_case_spaces_ignored if {
	keys.matches("aaaa bbbb cccc dddd eeee ffff 0000 1111 2222 3333", {"fingerprint": fp})
	keys.matches(fp, {"fingerprint": lower(fp)})
}

test_suffix_or_key_id_never_matches if {
	not keys.matches("0000111122223333", {"fingerprint": fp})
	not keys.matches("9999999999999999999999990000111122223333", {"fingerprint": fp})
	not keys.matches(fp, {})
}

test_spki_digest if {
	keys.matches("sha256:ABCDEF", {"fingerprint": "sha256:abcdef"})
}
