// Package localjwt plays the HTTP API JWT authorizer locally: it mints and
// verifies HS256 tokens (issuer cmp-local, audience cmp-api) and turns their
// claims into the string map API Gateway hands to functions.
package localjwt

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"strconv"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// Fixed by api.md ("Identity").
const (
	Issuer        = "cmp-local"
	Audience      = "cmp-api"
	DefaultSecret = "local-dev-secret"
	GroupsClaim   = "cognito:groups"
)

// SecretFromEnv is LOCAL_JWT_SECRET, or the default.
func SecretFromEnv() string {
	if s := os.Getenv("LOCAL_JWT_SECRET"); s != "" {
		return s
	}
	return DefaultSecret
}

// Mint returns a signed token for sub, valid for ttl, with the groups as the
// cognito:groups list claim (omitted when there are none).
func Mint(secret, sub string, ttl time.Duration, groups ...string) (string, error) {
	return MintClaims(secret, sub, ttl, nil, groups...)
}

// ProviderIDClaim names the CE provider of a provider client's token (api.md
// "Identity", R-PROV-1).
const ProviderIDClaim = "provider_id"

// MintClaims is Mint with extra string claims, such as provider_id.
func MintClaims(secret, sub string, ttl time.Duration, extra map[string]string, groups ...string) (string, error) {
	now := time.Now()
	claims := jwt.MapClaims{
		"iss": Issuer,
		"aud": Audience,
		"sub": sub,
		"iat": now.Unix(),
		"exp": now.Add(ttl).Unix(),
	}
	if len(groups) > 0 {
		claims[GroupsClaim] = groups
	}
	for k, v := range extra {
		if _, fixed := claims[k]; !fixed {
			claims[k] = v
		}
	}
	s, err := jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString([]byte(secret))
	if err != nil {
		return "", fmt.Errorf("sign token: %w", err)
	}
	return s, nil
}

// ErrNoToken is returned for a missing or non-Bearer Authorization header.
var ErrNoToken = errors.New("no bearer token")

// Verify checks the Authorization header value as the authorizer does and
// returns the claims in API Gateway's string form and the token's scopes. A
// token issued in the future (iat after now) is refused, as API Gateway does.
func Verify(secret, authorization string) (claims map[string]string, scopes []string, err error) {
	scheme, tok, ok := strings.Cut(strings.TrimSpace(authorization), " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(tok) == "" {
		return nil, nil, ErrNoToken
	}
	var mc jwt.MapClaims
	_, err = jwt.ParseWithClaims(strings.TrimSpace(tok), &mc, func(*jwt.Token) (any, error) { return []byte(secret), nil },
		jwt.WithValidMethods([]string{"HS256"}), jwt.WithIssuer(Issuer), jwt.WithAudience(Audience),
		jwt.WithExpirationRequired(), jwt.WithIssuedAt(), jwt.WithLeeway(0))
	if err != nil {
		return nil, nil, fmt.Errorf("invalid token: %w", err)
	}
	claims = make(map[string]string, len(mc))
	for k, v := range mc {
		claims[k] = claimString(v)
	}
	if s, ok := mc["scope"].(string); ok {
		scopes = strings.Fields(s)
	}
	return claims, scopes, nil
}

// claimString renders a claim value as API Gateway HTTP API does for JWT
// authorizer claims: strings as is, numbers in plain notation, and lists in
// Go-like bracket form with spaces, so ["staff","admin"] becomes
// "[staff admin]". Functions parse cognito:groups from that form.
func claimString(v any) string {
	switch x := v.(type) {
	case string:
		return x
	case float64:
		return strconv.FormatFloat(x, 'f', -1, 64)
	case bool:
		return strconv.FormatBool(x)
	case nil:
		return ""
	case []any:
		parts := make([]string, len(x))
		for i, e := range x {
			parts[i] = claimString(e)
		}
		return "[" + strings.Join(parts, " ") + "]"
	default:
		b, err := json.Marshal(x)
		if err != nil {
			return fmt.Sprint(x)
		}
		return string(b)
	}
}
