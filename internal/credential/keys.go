package credential

import (
	"bytes"
	"crypto/ed25519"
	"crypto/rand"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"net/url"
	"strings"

	"github.com/boc/cmp/internal/pattern"
	"github.com/mr-tron/base58"
)

// SecretJSON is the stored form of the signing keys (Secrets Manager in
// AWS, a file in .local/ locally): the current key with its private seed,
// and earlier keys with their public part only. A rotation writes a new
// version whose current is a fresh key and whose previous gains the old
// current's public key, so credentials signed before stay verifiable for
// as long as the old key stays listed (at least the longest validUntil,
// one cycle, 36 months).
type SecretJSON struct {
	Current  SecretKey   `json:"current"`
	Previous []PublicKey `json:"previous,omitempty"`
}

// SecretKey is a key with its private part: the 32-byte Ed25519 seed, base64url.
type SecretKey struct {
	ID   string `json:"id"`
	Seed string `json:"seed"`
}

// PublicKey is a retired key: its Multikey public key.
type PublicKey struct {
	ID                 string `json:"id"`
	PublicKeyMultibase string `json:"publicKeyMultibase"`
}

// Key is one key of a set; private is nil for a previous key.
type Key struct {
	ID      string
	public  ed25519.PublicKey
	private ed25519.PrivateKey
}

// KeySet is the issuer DID and its keys. Its String and its JSON never
// show a private key, so logging one by mistake leaks nothing.
type KeySet struct {
	DID  string
	keys []Key // keys[0] is the current one
}

var keyIDPattern = pattern.MustCompile(`^[A-Za-z0-9._-]{1,64}$`)

// ParseKeySet reads the stored key JSON for the issuer did.
func ParseKeySet(did string, raw []byte) (*KeySet, error) {
	var s SecretJSON
	dec := json.NewDecoder(bytes.NewReader(raw))
	dec.DisallowUnknownFields()
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("credential: signing key JSON: %w", err)
	}
	seed, err := base64.RawURLEncoding.DecodeString(s.Current.Seed)
	if err != nil || len(seed) != ed25519.SeedSize {
		return nil, errors.New("credential: signing key: seed is not 32 bytes of base64url")
	}
	priv := ed25519.NewKeyFromSeed(seed)
	ks := &KeySet{DID: did, keys: []Key{{ID: s.Current.ID, public: priv.Public().(ed25519.PublicKey), private: priv}}}
	for _, p := range s.Previous {
		pub, err := decodeMultikey(p.PublicKeyMultibase)
		if err != nil {
			return nil, fmt.Errorf("credential: previous key %s: %w", p.ID, err)
		}
		ks.keys = append(ks.keys, Key{ID: p.ID, public: pub})
	}
	seen := map[string]bool{}
	for _, k := range ks.keys {
		if !keyIDPattern.MatchString(k.ID) || seen[k.ID] {
			return nil, fmt.Errorf("credential: key id %q is invalid or repeated", k.ID)
		}
		seen[k.ID] = true
	}
	return ks, nil
}

// NewSecret draws a fresh key named id; previous are the keys it replaces
// (a rotation passes the old set's Rotated()).
func NewSecret(id string, previous []PublicKey) ([]byte, error) {
	seed := make([]byte, ed25519.SeedSize)
	if _, err := rand.Read(seed); err != nil {
		return nil, fmt.Errorf("credential: draw key: %w", err)
	}
	return json.MarshalIndent(SecretJSON{Current: SecretKey{ID: id, Seed: base64.RawURLEncoding.EncodeToString(seed)},
		Previous: previous}, "", "  ")
}

// Rotated is every key of the set as a previous key, for the next secret version.
func (ks *KeySet) Rotated() []PublicKey {
	out := make([]PublicKey, len(ks.keys))
	for i, k := range ks.keys {
		out[i] = PublicKey{ID: k.ID, PublicKeyMultibase: encodeMultikey(k.public)}
	}
	return out
}

// Current is the key that signs.
func (ks *KeySet) Current() Key { return ks.keys[0] }

// MethodID is the verification method id of key id: <did>#<id>.
func (ks *KeySet) MethodID(id string) string { return ks.DID + "#" + id }

// Public is the public key of a verification method id of this set.
func (ks *KeySet) Public(methodID string) (ed25519.PublicKey, bool) {
	for _, k := range ks.keys {
		if ks.MethodID(k.ID) == methodID {
			return k.public, true
		}
	}
	return nil, false
}

// String names the keys, never their material.
func (ks *KeySet) String() string {
	ids := make([]string, len(ks.keys))
	for i, k := range ks.keys {
		ids[i] = k.ID
	}
	return ks.DID + " keys " + strings.Join(ids, ",")
}

// MarshalJSON is String's, so a key set logged as a value stays harmless.
func (ks *KeySet) MarshalJSON() ([]byte, error) { return json.Marshal(ks.String()) }

// DIDDocument is the issuer's did:web document (R-CRED-2): one Multikey
// verification method per key still valid, current first, each usable for
// assertions (credential proofs).
func (ks *KeySet) DIDDocument() map[string]any {
	methods := make([]any, len(ks.keys))
	ids := make([]any, len(ks.keys))
	for i, k := range ks.keys {
		id := ks.MethodID(k.ID)
		methods[i] = map[string]any{"id": id, "type": "Multikey", "controller": ks.DID,
			"publicKeyMultibase": encodeMultikey(k.public)}
		ids[i] = id
	}
	return map[string]any{
		"@context":           []any{"https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"},
		"id":                 ks.DID,
		"verificationMethod": methods,
		"assertionMethod":    ids,
	}
}

// DIDWeb is the did:web of a base URL's host (a port is %3A-encoded, a
// path becomes colon-separated segments).
func DIDWeb(baseURL string) (string, error) {
	u, err := url.Parse(baseURL)
	if err != nil || u.Host == "" {
		return "", fmt.Errorf("credential: PUBLIC_BASE_URL %q is not an absolute URL", baseURL)
	}
	did := "did:web:" + strings.ReplaceAll(u.Host, ":", "%3A")
	for _, seg := range strings.Split(strings.Trim(u.Path, "/"), "/") {
		if seg != "" {
			did += ":" + seg
		}
	}
	return did, nil
}

// ed25519-pub multicodec prefix of a Multikey public key.
var ed25519Pub = []byte{0xed, 0x01}

func encodeMultikey(pub ed25519.PublicKey) string {
	return "z" + base58.Encode(append(append([]byte{}, ed25519Pub...), pub...))
}

func decodeMultikey(s string) (ed25519.PublicKey, error) {
	if !strings.HasPrefix(s, "z") {
		return nil, errors.New("not base58btc multibase")
	}
	b, err := base58.Decode(s[1:])
	if err != nil || len(b) != 2+ed25519.PublicKeySize || !bytes.HasPrefix(b, ed25519Pub) {
		return nil, errors.New("not an Ed25519 Multikey")
	}
	return ed25519.PublicKey(b[2:]), nil
}
