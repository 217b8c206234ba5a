package localjwt

import (
	"errors"
	"strconv"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

const secret = "s3cret"

func sign(t *testing.T, method jwt.SigningMethod, key any, c jwt.MapClaims) string {
	t.Helper()
	s, err := jwt.NewWithClaims(method, c).SignedString(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func good() jwt.MapClaims {
	return jwt.MapClaims{"iss": Issuer, "aud": Audience, "sub": "c-1", "exp": time.Now().Add(time.Hour).Unix()}
}

func TestVerifyAcceptsMinted(t *testing.T) {
	tok, err := Mint(secret, "staff-1", time.Hour, "staff", "admin")
	if err != nil {
		t.Fatal(err)
	}
	claims, _, err := Verify(secret, "Bearer "+tok)
	if err != nil {
		t.Fatal(err)
	}
	// Claims reach functions as strings; a list in API Gateway's "[a b]" form.
	if claims["sub"] != "staff-1" || claims[GroupsClaim] != "[staff admin]" || claims["iss"] != Issuer {
		t.Errorf("claims %v", claims)
	}
	if exp, err := strconv.ParseInt(claims["exp"], 10, 64); err != nil || exp < time.Now().Unix() {
		t.Errorf("exp rendered as %q, want plain future seconds", claims["exp"])
	}
}

// api.md Identity, R-PROV-1: a provider client's token carries group
// provider and claim provider_id to the function; an extra claim never
// overrides a fixed one.
func TestMintClaimsProvider(t *testing.T) {
	tok, err := MintClaims(secret, "client-1", time.Hour, map[string]string{ProviderIDClaim: "P-1", "iss": "evil"}, "provider")
	if err != nil {
		t.Fatal(err)
	}
	claims, _, err := Verify(secret, "Bearer "+tok)
	if err != nil {
		t.Fatal(err)
	}
	if claims[ProviderIDClaim] != "P-1" || claims[GroupsClaim] != "[provider]" || claims["iss"] != Issuer {
		t.Errorf("claims %v", claims)
	}
}

// api.md Identity: missing or invalid tokens are refused (401 upstream).
func TestVerifyRejects(t *testing.T) {
	with := func(mod func(jwt.MapClaims)) jwt.MapClaims { c := good(); mod(c); return c }
	cases := map[string]string{
		"missing":      "",
		"not bearer":   "Basic " + sign(t, jwt.SigningMethodHS256, []byte(secret), good()),
		"empty bearer": "Bearer ",
		"garbage":      "Bearer abc.def.ghi",
		"expired":      "Bearer " + sign(t, jwt.SigningMethodHS256, []byte(secret), with(func(c jwt.MapClaims) { c["exp"] = time.Now().Add(-time.Second).Unix() })),
		"no exp":       "Bearer " + sign(t, jwt.SigningMethodHS256, []byte(secret), with(func(c jwt.MapClaims) { delete(c, "exp") })),
		"wrong iss":    "Bearer " + sign(t, jwt.SigningMethodHS256, []byte(secret), with(func(c jwt.MapClaims) { c["iss"] = "evil" })),
		"wrong aud":    "Bearer " + sign(t, jwt.SigningMethodHS256, []byte(secret), with(func(c jwt.MapClaims) { c["aud"] = "other" })),
		"wrong secret": "Bearer " + sign(t, jwt.SigningMethodHS256, []byte("other"), good()),
		"HS512 alg":    "Bearer " + sign(t, jwt.SigningMethodHS512, []byte(secret), good()),
		"none alg":     "Bearer " + sign(t, jwt.SigningMethodNone, jwt.UnsafeAllowNoneSignatureType, good()),
		// Issue 11 item 10: issued in the future, as API Gateway refuses.
		"future iat": "Bearer " + sign(t, jwt.SigningMethodHS256, []byte(secret), with(func(c jwt.MapClaims) { c["iat"] = time.Now().Add(time.Hour).Unix() })),
	}
	for name, header := range cases {
		t.Run(name, func(t *testing.T) {
			if _, _, err := Verify(secret, header); err == nil {
				t.Error("accepted")
			}
		})
	}
	if _, _, err := Verify(secret, ""); !errors.Is(err, ErrNoToken) {
		t.Errorf("missing header: %v, want ErrNoToken", err)
	}
}

func TestClaimString(t *testing.T) {
	cases := []struct {
		in   any
		want string
	}{
		{"x", "x"}, {float64(1700000000), "1700000000"}, {1.5, "1.5"}, {true, "true"},
		{[]any{"staff"}, "[staff]"}, {[]any{}, "[]"}, {map[string]any{"a": "b"}, `{"a":"b"}`},
	}
	for _, c := range cases {
		if got := claimString(c.in); got != c.want {
			t.Errorf("claimString(%v) = %q, want %q", c.in, got, c.want)
		}
	}
}
