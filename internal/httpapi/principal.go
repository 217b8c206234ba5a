package httpapi

import (
	"encoding/json"
	"slices"
	"strings"

	"github.com/aws/aws-lambda-go/events"
)

// StaffGroup is the Cognito group of board staff.
const StaffGroup = "staff"

// ProviderGroup and ProviderScope mark a CE provider's machine client
// (R-PROV-1): the group with a provider_id claim in local tokens, the
// resource-server scope in a Cognito client-credentials token (which carries
// no cognito:groups).
const (
	ProviderGroup = "provider"
	ProviderScope = "cmp/provider.post"
)

// Principal is the caller as the JWT authorizer vouched for it. A certificant's
// Subject is their certificant id.
type Principal struct {
	Subject string
	Groups  []string
	Scopes  []string
	// ProviderID is the provider_id claim; ClientID the client_id claim of
	// an access token (a Cognito app client).
	ProviderID string
	ClientID   string
}

// Authenticated reports whether the authorizer passed a subject.
func (p Principal) Authenticated() bool { return p.Subject != "" }

// IsStaff reports membership of the staff group.
func (p Principal) IsStaff() bool { return slices.Contains(p.Groups, StaffGroup) }

// IsProvider reports a CE provider's machine client (R-PROV-1).
func (p Principal) IsProvider() bool {
	return slices.Contains(p.Groups, ProviderGroup) || slices.Contains(p.Scopes, ProviderScope)
}

// PrincipalOf reads the caller from the authorizer's claims only; headers are
// never trusted for identity.
func PrincipalOf(req events.APIGatewayV2HTTPRequest) Principal {
	auth := req.RequestContext.Authorizer
	if auth == nil || auth.JWT == nil {
		return Principal{}
	}
	claims := auth.JWT.Claims
	scopes := auth.JWT.Scopes
	if len(scopes) == 0 {
		scopes = strings.Fields(claims["scope"])
	}
	return Principal{
		Subject:    strings.TrimSpace(claims["sub"]),
		Groups:     parseListClaim(claims["cognito:groups"]),
		Scopes:     scopes,
		ProviderID: strings.TrimSpace(claims["provider_id"]),
		ClientID:   strings.TrimSpace(claims["client_id"]),
	}
}

// parseListClaim reads a list claim as API Gateway flattens it: "[staff]",
// "[staff admin]", or a JSON array such as `["staff","x"]`. Names are exact
// (api.md "Identity"): only whitespace separates them in the bracket form,
// since a Cognito group name cannot hold whitespace but may hold commas, so
// a group "lab,staff" is that one group and never grants staff.
func parseListClaim(s string) []string {
	s = strings.TrimSpace(s)
	if s == "" {
		return nil
	}
	var list []string
	if strings.HasPrefix(s, "[\"") && json.Unmarshal([]byte(s), &list) == nil {
		return list
	}
	if strings.HasPrefix(s, "[") && strings.HasSuffix(s, "]") {
		s = s[1 : len(s)-1]
	}
	return strings.Fields(s)
}

// RequireStaff answers 403 unless the caller is staff.
func RequireStaff(p Principal) error {
	if !p.IsStaff() {
		return Forbidden("staff only")
	}
	return nil
}

// RequireSelfOrStaff lets staff and the certificant themself through; anyone
// else gets 404 so that certificant ids cannot be probed.
func RequireSelfOrStaff(p Principal, certificantID string) error {
	if p.IsStaff() || (p.Subject != "" && p.Subject == certificantID) {
		return nil
	}
	return NotFound()
}

// RequireSelf lets only the certificant themself through: staff get 403 (they
// may know the record exists), other certificants 404.
func RequireSelf(p Principal, certificantID string) error {
	if p.Subject != "" && p.Subject == certificantID {
		return nil
	}
	if p.IsStaff() {
		return Forbidden("only the certificant may do this")
	}
	return NotFound()
}

// RequireProvider answers 403 unless the caller is a provider's machine client.
func RequireProvider(p Principal) error {
	if !p.IsProvider() {
		return Forbidden("CE provider clients only (R-PROV-1)")
	}
	return nil
}
