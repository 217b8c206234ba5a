// Package statuslist keeps the board's Bitstring Status Lists (W3C
// BitstringStatusList, R-CRED-3) in the table: which index a certification
// cycle's credential holds, the one write that sets a bit in the same
// transaction as the status change, and the encoded list. It links no
// JSON-LD code, so the functions whose transactions flip bits stay small.
//
//	pattern                                  key
//	set bits of a list, 16 chunks of 8192    pk=SL#<listId> sk=CHUNK#<nn>, number set "bits"; ADD is idempotent
//	index of a list taken by one credential  pk=SLIDX#<list> sk=<index>, put if absent
package statuslist

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"fmt"
	"strconv"
	"strings"

	"github.com/boc/cmp/internal/dynamo"
)

// Size is the number of entries of one list: 131,072 bits (16 KiB), the
// minimum the W3C recommendation sets for herd privacy.
const Size = 131072

// chunkBits is the span of one chunk item: its number set stays under
// about 40 KB even when every bit is set, well inside DynamoDB's 400 KB.
const chunkBits = 8192

// Chunks is how many chunk items one list has.
const Chunks = Size / chunkBits

// Purpose is a list's statusPurpose.
type Purpose string

// The purposes of R-CRED-3: revocation for expired (and rejected or
// revoked), suspension for inactive status.
const (
	Revocation Purpose = "revocation"
	Suspension Purpose = "suspension"
)

// Purposes lists every purpose; each credential carries one entry per purpose.
var Purposes = []Purpose{Revocation, Suspension}

// ListID names the list of purpose p and number n, e.g. "revocation-1".
func ListID(p Purpose, n int) string { return string(p) + "-" + strconv.Itoa(n) }

// ParseListID splits a list id; ok is false for anything not ListID's form.
func ParseListID(id string) (p Purpose, n int, ok bool) {
	name, num, found := strings.Cut(id, "-")
	if !found {
		return "", 0, false
	}
	n, err := strconv.Atoi(num)
	if err != nil || n < 1 || strconv.Itoa(n) != num {
		return "", 0, false
	}
	for _, q := range Purposes {
		if string(q) == name {
			return q, n, true
		}
	}
	return "", 0, false
}

// Entry is where the credential of one certification cycle keeps its
// status; stored on the certification item. Cycle is the cycle start the
// index was taken for: a new cycle (renewal, reinstatement) takes a new
// index, so a revoked bit never has to be cleared.
type Entry struct {
	List  int    `dynamodbav:"statusList,omitempty"`
	Index int    `dynamodbav:"statusIndex,omitempty"`
	Cycle string `dynamodbav:"statusCycle,omitempty"`
}

// For reports whether e is the entry of the cycle starting cycleStart.
func (e Entry) For(cycleStart string) bool {
	return e.Cycle != "" && e.Cycle == cycleStart && e.List > 0
}

// Set is the one write that sets the bit of e in the list of purpose p.
// ADD on a number set is idempotent, so a rerun, or a suspension after a
// revocation, never fails the status change's transaction; the condition
// keeps a chunk from ever being written for another purpose.
func Set(label string, p Purpose, e Entry) (dynamo.Write, error) {
	if e.List < 1 || e.Index < 0 || e.Index >= Size {
		return dynamo.Write{}, fmt.Errorf("statuslist: %s: no entry (list %d, index %d)", label, e.List, e.Index)
	}
	id := ListID(p, e.List)
	return dynamo.Update(label, dynamo.StatusChunkKey(id, e.Index/chunkBits), "ADD #bits :i SET #purpose = :p, #type = :t",
		dynamo.Condition{Expr: "attribute_not_exists(#purpose) OR #purpose = :p",
			Names: map[string]string{"#bits": "bits", "#purpose": "purpose", "#type": "type"},
			Values: map[string]any{":i": dynamo.NumberSet{e.Index},
				":p": string(p), ":t": "statuslist"}})
}

// SetFor is Set when e is the entry of the cycle starting cycleStart, and
// nothing (ok false) when no credential was issued for that cycle.
func SetFor(label string, p Purpose, e Entry, cycleStart string) (w dynamo.Write, ok bool, err error) {
	if !e.For(cycleStart) {
		return dynamo.Write{}, false, nil
	}
	w, err = Set(label, p, e)
	return w, err == nil, err
}

// Chunk is a stored chunk item as read back.
type Chunk struct {
	dynamo.Key
	Bits []int `dynamodbav:"bits,numberset"`
}

// Encode is the list's encodedList: the bitstring with the given indexes
// set (index 0 the most significant bit of the first byte), GZIP-compressed,
// as a base64url multibase value without padding ('u' prefix), per the W3C
// BitstringStatusList recommendation.
func Encode(set []int) (string, error) {
	bits := make([]byte, Size/8)
	for _, i := range set {
		if i < 0 || i >= Size {
			return "", fmt.Errorf("statuslist: index %d out of range", i)
		}
		bits[i/8] |= 0x80 >> (i % 8)
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(bits); err != nil {
		return "", fmt.Errorf("statuslist: gzip: %w", err)
	}
	if err := zw.Close(); err != nil {
		return "", fmt.Errorf("statuslist: gzip: %w", err)
	}
	return "u" + base64.RawURLEncoding.EncodeToString(buf.Bytes()), nil
}

// Decode is the inverse of Encode: the set indexes of an encodedList.
func Decode(encoded string) ([]int, error) {
	raw, ok := strings.CutPrefix(encoded, "u")
	if !ok {
		return nil, fmt.Errorf("statuslist: not a base64url multibase value")
	}
	z, err := base64.RawURLEncoding.DecodeString(raw)
	if err != nil {
		return nil, fmt.Errorf("statuslist: base64url: %w", err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(z))
	if err != nil {
		return nil, fmt.Errorf("statuslist: gzip: %w", err)
	}
	var bits bytes.Buffer
	if _, err := bits.ReadFrom(zr); err != nil {
		return nil, fmt.Errorf("statuslist: gzip: %w", err)
	}
	var set []int
	for i, b := range bits.Bytes() {
		for j := range 8 {
			if b&(0x80>>j) != 0 {
				set = append(set, i*8+j)
			}
		}
	}
	return set, nil
}
