package statuslist

import (
	"bytes"
	"compress/gzip"
	"encoding/base64"
	"io"
	"slices"
	"testing"
)

// R-CRED-3: the encodedList is the 131,072-bit list, index 0 the most
// significant bit of the first byte, GZIP, base64url multibase ('u').
func TestEncode(t *testing.T) {
	set := []int{0, 7, 8, 4242, Size - 1}
	enc, err := Encode(set)
	if err != nil {
		t.Fatal(err)
	}
	if enc[0] != 'u' {
		t.Fatalf("encodedList %q is not base64url multibase", enc[:8])
	}
	z, err := base64.RawURLEncoding.DecodeString(enc[1:])
	if err != nil {
		t.Fatal(err)
	}
	zr, err := gzip.NewReader(bytes.NewReader(z))
	if err != nil {
		t.Fatal(err)
	}
	bits, err := io.ReadAll(zr)
	if err != nil {
		t.Fatal(err)
	}
	if len(bits) != Size/8 || bits[0] != 0x81 || bits[1] != 0x80 || bits[len(bits)-1] != 0x01 {
		t.Errorf("%d bytes, first %08b %08b last %08b", len(bits), bits[0], bits[1], bits[len(bits)-1])
	}
	got, err := Decode(enc)
	if err != nil || !slices.Equal(got, set) {
		t.Errorf("Decode = %v, %v; want %v", got, err, set)
	}
	if _, err := Encode([]int{Size}); err == nil {
		t.Error("an index past the list encoded")
	}
}

func TestListID(t *testing.T) {
	for id, want := range map[string]bool{"revocation-1": true, "suspension-12": true, "revocation-0": false,
		"revocation-01": false, "other-1": false, "revocation": false, "revocation-x": false} {
		if _, _, ok := ParseListID(id); ok != want {
			t.Errorf("ParseListID(%q) ok = %v, want %v", id, ok, want)
		}
	}
	if p, n, _ := ParseListID(ListID(Suspension, 3)); p != Suspension || n != 3 {
		t.Errorf("round trip: %s %d", p, n)
	}
}

// R-CRED-3: a bit is set only for the cycle its entry was taken for.
func TestSetFor(t *testing.T) {
	e := Entry{List: 1, Index: 9000, Cycle: "2024-03-01"}
	if _, ok, err := SetFor("x", Revocation, e, "2027-04-01"); ok || err != nil {
		t.Errorf("another cycle's entry: ok %v err %v, want nothing to write", ok, err)
	}
	if _, ok, err := SetFor("x", Revocation, e, "2024-03-01"); !ok || err != nil {
		t.Errorf("the cycle's entry: ok %v err %v", ok, err)
	}
	if _, ok, _ := SetFor("x", Revocation, Entry{}, ""); ok {
		t.Error("no entry: a write")
	}
}
