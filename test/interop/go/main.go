// Command tlog-interop is the Go side of the audit-log interop tests (test/interop/go.test.ts): it answers JSON
// requests on stdin with golang.org/x/mod/sumdb/{note,tlog}, the reference implementation of RFC 6962 trees and
// C2SP signed notes, so the TypeScript core can be compared with it byte for byte, both ways.
//
// Usage: tlog-interop <tree|note-sign|note-open|note-generate|key-parse|checkpoint-open> < request.json > response.json
package main

import (
	"bytes"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"

	"golang.org/x/mod/sumdb/note"
	"golang.org/x/mod/sumdb/tlog"
)

func main() {
	if len(os.Args) != 2 {
		fail(errors.New("usage: tlog-interop <tree|note-sign|note-open|note-generate|key-parse|checkpoint-open> < request.json"))
	}
	var out any
	var err error
	dec := json.NewDecoder(os.Stdin)
	dec.DisallowUnknownFields()
	switch os.Args[1] {
	case "tree":
		var req treeRequest
		if err = dec.Decode(&req); err == nil {
			out, err = runTree(req)
		}
	case "note-sign":
		var req noteSignRequest
		if err = dec.Decode(&req); err == nil {
			out, err = runNoteSign(req)
		}
	case "note-open":
		var req noteOpenRequest
		if err = dec.Decode(&req); err == nil {
			out, err = runNoteOpen(req)
		}
	case "note-generate":
		var req noteGenerateRequest
		if err = dec.Decode(&req); err == nil {
			out, err = runNoteGenerate(req)
		}
	case "key-parse":
		var req keyParseRequest
		if err = dec.Decode(&req); err == nil {
			out = runKeyParse(req)
		}
	case "checkpoint-open":
		var req noteOpenRequest
		if err = dec.Decode(&req); err == nil {
			out, err = runCheckpointOpen(req)
		}
	default:
		err = fmt.Errorf("unknown command %q", os.Args[1])
	}
	if err != nil {
		fail(err)
	}
	enc := json.NewEncoder(os.Stdout)
	enc.SetEscapeHTML(false)
	if err := enc.Encode(out); err != nil {
		fail(err)
	}
}

func fail(err error) {
	fmt.Fprintln(os.Stderr, "tlog-interop:", err)
	os.Exit(1)
}

// ---- tree ----

type inclusionCheck struct {
	Index    int64    `json:"index"`
	Size     int64    `json:"size"`
	LeafHash *string  `json:"leafHash,omitempty"` // default: the stored leaf hash
	Proof    []string `json:"proof"`
	Root     *string  `json:"root,omitempty"` // default: TreeHash(size)
}

type consistencyCheck struct {
	Size1 int64    `json:"size1"`
	Size2 int64    `json:"size2"`
	Proof []string `json:"proof"`
	Root1 *string  `json:"root1,omitempty"` // default: TreeHash(size1)
	Root2 *string  `json:"root2,omitempty"` // default: TreeHash(size2)
}

type treeRequest struct {
	Records          []string           `json:"records,omitempty"`  // base64 record data
	Generate         int64              `json:"generate,omitempty"` // or: records "record 0", "record 1", …
	Sizes            []int64            `json:"sizes"`
	Inclusion        [][2]int64         `json:"inclusion"`   // (index, size)
	Consistency      [][2]int64         `json:"consistency"` // (size1, size2)
	CheckInclusion   []inclusionCheck   `json:"checkInclusion"`
	CheckConsistency []consistencyCheck `json:"checkConsistency"`
}

type verdict struct {
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
}

type treeResponse struct {
	N                int64      `json:"n"`
	Roots            []string   `json:"roots"`
	Inclusion        [][]string `json:"inclusion"`
	Consistency      [][]string `json:"consistency"`
	CheckInclusion   []verdict  `json:"checkInclusion"`
	CheckConsistency []verdict  `json:"checkConsistency"`
}

func b64s(hs []tlog.Hash) []string {
	out := make([]string, len(hs))
	for i, h := range hs {
		out[i] = h.String()
	}
	return out
}

func decodeHash(s string) (tlog.Hash, error) {
	return tlog.ParseHash(s)
}

func decodeHashes(l []string) ([]tlog.Hash, error) {
	out := make([]tlog.Hash, len(l))
	for i, s := range l {
		h, err := decodeHash(s)
		if err != nil {
			return nil, err
		}
		out[i] = h
	}
	return out, nil
}

func runTree(req treeRequest) (*treeResponse, error) {
	var records [][]byte
	if req.Records != nil {
		for _, r := range req.Records {
			b, err := base64.StdEncoding.DecodeString(r)
			if err != nil {
				return nil, err
			}
			records = append(records, b)
		}
	} else {
		for i := int64(0); i < req.Generate; i++ {
			records = append(records, fmt.Appendf(nil, "record %d", i))
		}
	}
	n := int64(len(records))
	var stored []tlog.Hash
	reader := tlog.HashReaderFunc(func(indexes []int64) ([]tlog.Hash, error) {
		out := make([]tlog.Hash, len(indexes))
		for i, x := range indexes {
			if x < 0 || x >= int64(len(stored)) {
				return nil, fmt.Errorf("hash index %d not stored", x)
			}
			out[i] = stored[x]
		}
		return out, nil
	})
	for i, data := range records {
		hashes, err := tlog.StoredHashes(int64(i), data, reader)
		if err != nil {
			return nil, err
		}
		stored = append(stored, hashes...)
	}
	treeHash := func(size int64) (tlog.Hash, error) { return tlog.TreeHash(size, reader) }

	resp := &treeResponse{N: n, Roots: []string{}, Inclusion: [][]string{}, Consistency: [][]string{},
		CheckInclusion: []verdict{}, CheckConsistency: []verdict{}}
	for _, size := range req.Sizes {
		if size < 0 || size > n {
			return nil, fmt.Errorf("size %d outside 0..%d", size, n)
		}
		h, err := treeHash(size)
		if err != nil {
			return nil, err
		}
		resp.Roots = append(resp.Roots, h.String())
	}
	for _, q := range req.Inclusion {
		if q[1] > n {
			return nil, fmt.Errorf("size %d > %d", q[1], n)
		}
		p, err := tlog.ProveRecord(q[1], q[0], reader)
		if err != nil {
			return nil, err
		}
		resp.Inclusion = append(resp.Inclusion, b64s(p))
	}
	for _, q := range req.Consistency {
		if q[1] > n {
			return nil, fmt.Errorf("size %d > %d", q[1], n)
		}
		// Go's argument order is (new size, old size).
		p, err := tlog.ProveTree(q[1], q[0], reader)
		if err != nil {
			return nil, err
		}
		resp.Consistency = append(resp.Consistency, b64s(p))
	}
	for _, c := range req.CheckInclusion {
		resp.CheckInclusion = append(resp.CheckInclusion, toVerdict(checkInclusion(c, n, reader, treeHash)))
	}
	for _, c := range req.CheckConsistency {
		resp.CheckConsistency = append(resp.CheckConsistency, toVerdict(checkConsistency(c, n, treeHash)))
	}
	return resp, nil
}

func toVerdict(err error) verdict {
	if err != nil {
		return verdict{OK: false, Error: err.Error()}
	}
	return verdict{OK: true}
}

// hashOr decodes s, or computes the default when s is absent.
func hashOr(s *string, def func() (tlog.Hash, error)) (tlog.Hash, error) {
	if s != nil {
		return decodeHash(*s)
	}
	return def()
}

func checkInclusion(c inclusionCheck, n int64, reader tlog.HashReader, treeHash func(int64) (tlog.Hash, error)) error {
	proof, err := decodeHashes(c.Proof)
	if err != nil {
		return err
	}
	leaf, err := hashOr(c.LeafHash, func() (tlog.Hash, error) {
		if c.Index < 0 || c.Index >= n {
			return tlog.Hash{}, fmt.Errorf("no stored leaf %d", c.Index)
		}
		hs, err := reader.ReadHashes([]int64{tlog.StoredHashIndex(0, c.Index)})
		if err != nil {
			return tlog.Hash{}, err
		}
		return hs[0], nil
	})
	if err != nil {
		return err
	}
	root, err := hashOr(c.Root, func() (tlog.Hash, error) {
		if c.Size < 0 || c.Size > n {
			return tlog.Hash{}, fmt.Errorf("no stored tree of size %d", c.Size)
		}
		return treeHash(c.Size)
	})
	if err != nil {
		return err
	}
	return tlog.CheckRecord(proof, c.Size, root, c.Index, leaf)
}

func checkConsistency(c consistencyCheck, n int64, treeHash func(int64) (tlog.Hash, error)) error {
	proof, err := decodeHashes(c.Proof)
	if err != nil {
		return err
	}
	rootAt := func(size int64) func() (tlog.Hash, error) {
		return func() (tlog.Hash, error) {
			if size < 0 || size > n {
				return tlog.Hash{}, fmt.Errorf("no stored tree of size %d", size)
			}
			return treeHash(size)
		}
	}
	root1, err := hashOr(c.Root1, rootAt(c.Size1))
	if err != nil {
		return err
	}
	root2, err := hashOr(c.Root2, rootAt(c.Size2))
	if err != nil {
		return err
	}
	// Go's argument order is (proof, new size, new root, old size, old root).
	return tlog.CheckTree(proof, c.Size2, root2, c.Size1, root1)
}

// ---- notes ----

type noteSignRequest struct {
	Skeys []string `json:"skeys"`
	Text  string   `json:"text"`
}

func runNoteSign(req noteSignRequest) (any, error) {
	var signers []note.Signer
	for _, k := range req.Skeys {
		s, err := note.NewSigner(k)
		if err != nil {
			return nil, err
		}
		signers = append(signers, s)
	}
	msg, err := note.Sign(&note.Note{Text: req.Text}, signers...)
	if err != nil {
		return nil, err
	}
	return map[string]string{"note": string(msg)}, nil
}

type noteOpenRequest struct {
	Note    *string  `json:"note,omitempty"`
	NoteB64 *string  `json:"noteBase64,omitempty"` // for bytes that are not valid UTF-8
	Vkeys   []string `json:"vkeys"`
}

type sigJSON struct {
	Name   string `json:"name"`
	KeyID  string `json:"keyId"`
	Base64 string `json:"base64"`
}

type noteOpenResponse struct {
	OK             bool      `json:"ok"`
	ErrorKind      string    `json:"errorKind,omitempty"` // malformed | invalid-signature | unverified | bad-key | other
	Error          string    `json:"error,omitempty"`
	Text           string    `json:"text,omitempty"`
	Sigs           []sigJSON `json:"sigs,omitempty"`
	UnverifiedSigs []sigJSON `json:"unverifiedSigs,omitempty"`
	// checkpoint-open only
	Size *int64 `json:"size,omitempty"`
	Root string `json:"root,omitempty"`
}

func sigsJSON(l []note.Signature) []sigJSON {
	out := make([]sigJSON, len(l))
	for i, s := range l {
		out[i] = sigJSON{Name: s.Name, KeyID: fmt.Sprintf("%08x", s.Hash), Base64: s.Base64}
	}
	return out
}

func openNote(req noteOpenRequest) (*note.Note, *noteOpenResponse) {
	var msg []byte
	switch {
	case req.Note != nil:
		msg = []byte(*req.Note)
	case req.NoteB64 != nil:
		b, err := base64.StdEncoding.DecodeString(*req.NoteB64)
		if err != nil {
			return nil, &noteOpenResponse{ErrorKind: "other", Error: err.Error()}
		}
		msg = b
	}
	var verifiers []note.Verifier
	for _, k := range req.Vkeys {
		v, err := note.NewVerifier(k)
		if err != nil {
			return nil, &noteOpenResponse{ErrorKind: "bad-key", Error: err.Error()}
		}
		verifiers = append(verifiers, v)
	}
	n, err := note.Open(msg, note.VerifierList(verifiers...))
	if err != nil {
		kind := "other"
		var inv *note.InvalidSignatureError
		var unv *note.UnverifiedNoteError
		switch {
		case errors.As(err, &inv):
			kind = "invalid-signature"
		case errors.As(err, &unv):
			kind = "unverified"
		case err.Error() == "malformed note":
			kind = "malformed"
		}
		return nil, &noteOpenResponse{ErrorKind: kind, Error: err.Error()}
	}
	return n, &noteOpenResponse{OK: true, Text: n.Text, Sigs: sigsJSON(n.Sigs), UnverifiedSigs: sigsJSON(n.UnverifiedSigs)}
}

func runNoteOpen(req noteOpenRequest) (any, error) {
	_, resp := openNote(req)
	return resp, nil
}

var goTreeOrigin = []byte("go.sum database tree\n")

// runCheckpointOpen opens a signed checkpoint with note.Open and parses it with tlog.ParseTree. ParseTree only
// knows the origin "go.sum database tree"; for any other origin the first line is checked here and swapped
// for that one, so the size and hash are still parsed by Go's own (strict) code.
func runCheckpointOpen(req noteOpenRequest) (any, error) {
	n, resp := openNote(req)
	if n == nil {
		return resp, nil
	}
	text := []byte(n.Text)
	origin, rest, ok := bytes.Cut(text, []byte("\n"))
	if !ok || len(origin) == 0 {
		return &noteOpenResponse{ErrorKind: "malformed-checkpoint", Error: "no origin line"}, nil
	}
	tree, err := tlog.ParseTree(append(append([]byte{}, goTreeOrigin...), rest...))
	if err != nil {
		return &noteOpenResponse{ErrorKind: "malformed-checkpoint", Error: err.Error()}, nil
	}
	resp.Text = string(origin) // the origin, for the caller to compare
	resp.Size = &tree.N
	resp.Root = tree.Hash.String()
	return resp, nil
}

// ---- keys ----

type noteGenerateRequest struct {
	Names []string `json:"names"`
}

func runNoteGenerate(req noteGenerateRequest) (any, error) {
	keys := []map[string]string{}
	for _, name := range req.Names {
		skey, vkey, err := note.GenerateKey(rand.Reader, name)
		if err != nil {
			return nil, err
		}
		keys = append(keys, map[string]string{"skey": skey, "vkey": vkey})
	}
	return map[string]any{"keys": keys}, nil
}

type keyParseRequest struct {
	Vkeys []string `json:"vkeys"`
	Skeys []string `json:"skeys"`
}

type keyVerdict struct {
	OK    bool   `json:"ok"`
	Error string `json:"error,omitempty"`
	Name  string `json:"name,omitempty"`
	KeyID string `json:"keyId,omitempty"`
}

// runKeyParse reports what note.NewVerifier and note.NewSigner make of each key string.
func runKeyParse(req keyParseRequest) any {
	vs := []keyVerdict{}
	for _, k := range req.Vkeys {
		v, err := note.NewVerifier(k)
		if err != nil {
			vs = append(vs, keyVerdict{Error: err.Error()})
		} else {
			vs = append(vs, keyVerdict{OK: true, Name: v.Name(), KeyID: fmt.Sprintf("%08x", v.KeyHash())})
		}
	}
	ss := []keyVerdict{}
	for _, k := range req.Skeys {
		s, err := note.NewSigner(k)
		if err != nil {
			ss = append(ss, keyVerdict{Error: err.Error()})
		} else {
			ss = append(ss, keyVerdict{OK: true, Name: s.Name(), KeyID: fmt.Sprintf("%08x", s.KeyHash())})
		}
	}
	return map[string]any{"vkeys": vs, "skeys": ss}
}
