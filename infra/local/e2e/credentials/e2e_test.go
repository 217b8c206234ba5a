package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/aws/aws-lambda-go/events"
	"github.com/aws/aws-sdk-go-v2/service/dynamodb"
	"github.com/boc/cmp/infra/local/internal/roundtrips"
	"github.com/boc/cmp/infra/local/stacktest"
	"github.com/boc/cmp/internal/calendar"
	"github.com/boc/cmp/internal/civil"
	"github.com/boc/cmp/internal/credential"
	"github.com/boc/cmp/internal/dynamo"
	"github.com/boc/cmp/internal/httpapi"
	"github.com/boc/cmp/internal/httpapi/credentialapi"
	"github.com/boc/cmp/internal/statuslist"
)

func TestMain(m *testing.M) { stacktest.Main(m) }

const staffID = "staff-cred"

func today() civil.Date { return calendar.Today(time.Now()) }

// startedFor is the start of a cycle expiring at the end of the month
// `months` after this one (R-CYC-1).
func startedFor(months int) civil.Date { return today().FirstOfMonth().AddMonths(months - 36) }

type scene struct {
	t     *testing.T
	s     *stacktest.Stack
	id    string
	token string
	staff string
}

// newScene creates a certificant holding ASCPi-MLS expiring `months` from
// now, with a transcript that meets the generalist requirements.
func newScene(t *testing.T, s *stacktest.Stack, id string, started civil.Date) *scene {
	t.Helper()
	sc := &scene{t: t, s: s, id: id, token: s.Token(id), staff: s.Token(staffID, "staff")}
	if r := s.Do(t, "POST", "/v1/certificants", sc.staff, map[string]any{"id": id, "email": id + "@example.org", "country": "PH",
		"name": map[string]string{"given": "Ana", "family": "Reyes"}}); r.Status != 201 {
		t.Fatalf("create %s: %d %s", id, r.Status, r.Body)
	}
	if r := s.Do(t, "POST", "/v1/certificants/"+id+"/certifications", sc.staff, map[string]any{
		"program": "ASCPi", "category": "MLS", "startedOn": started.String()}); r.Status != 201 {
		t.Fatalf("register: %d %s", r.Status, r.Body)
	}
	on := today().AddDays(-30).String()
	for i, a := range []struct{ area, hours string }{{"safety", "2"}, {"ethics", "1"}, {"blood_banking", "2"},
		{"chemistry", "2"}, {"hematology", "2"}, {"microbiology", "2"}, {"management", "30"}} {
		if r := s.Do(t, "POST", "/v1/certificants/"+id+"/activities", sc.token, map[string]any{
			"type": "formal_ce", "title": fmt.Sprintf("Course %d %s", i, a.area), "provider": "ASCLS", "completedOn": on,
			"areas": []string{a.area}, "contactHours": a.hours, "accreditation": "ASCLS_PACE"}); r.Status != 201 {
			t.Fatalf("activity %s: %d %s", a.area, r.Status, r.Body)
		}
	}
	return sc
}

// fetch GETs the certification's credential: 200 application/vc, or the status given.
func (sc *scene) fetch(want int) map[string]any {
	sc.t.Helper()
	r := sc.s.Do(sc.t, "GET", "/v1/certificants/"+sc.id+"/certifications/ASCPi-MLS/credential", sc.token, nil)
	if r.Status != want {
		sc.t.Fatalf("credential: %d %s, want %d", r.Status, r.Body, want)
	}
	if want != 200 {
		return nil
	}
	if ct := r.Header.Get("Content-Type"); ct != "application/vc" {
		sc.t.Errorf("credential content type %q, want application/vc", ct)
	}
	var vc map[string]any
	if err := json.Unmarshal(r.Body, &vc); err != nil {
		sc.t.Fatal(err)
	}
	wantOpenBadge(sc.t, vc)
	return vc
}

// renew submits a declaration (renewal or reinstatement) and has staff approve it.
func (sc *scene) renew() {
	sc.t.Helper()
	r := sc.s.Do(sc.t, "POST", "/v1/declarations", sc.token, map[string]any{"certificantId": sc.id, "certification": "ASCPi-MLS"})
	var d struct{ ID string }
	if r.Status != 201 || json.Unmarshal(r.Body, &d) != nil {
		sc.t.Fatalf("declaration: %d %s", r.Status, r.Body)
	}
	sc.s.Pay(sc.t, d.ID) // its fee, as Stripe reports it (R-PAY-1)
	// A declaration selected for audit (R-DEC-3, decided from its id) is
	// not approved by approve: it opens the audit, which audit_pass passes.
	for _, decision := range []string{"approve", "audit_pass"} {
		r := sc.s.Do(sc.t, "POST", "/v1/declarations/"+d.ID+"/decisions", sc.staff, map[string]any{"decision": decision})
		var got struct{ Status string }
		if r.Status != 200 || json.Unmarshal(r.Body, &got) != nil {
			sc.t.Fatalf("%s: %d %s", decision, r.Status, r.Body)
		}
		if got.Status == "approved" {
			return
		}
	}
	sc.t.Fatalf("declaration %s not approved after approve and audit_pass", d.ID)
}

// wantOpenBadge checks the Open Badges 3.0 required fields of an issued
// credential (R-CRED-1): the VC 2.0 and OB 3.0 contexts, the types, the
// issuer profile, validFrom, an AchievementSubject whose achievement has
// id, type, name, description and criteria, and the proof (R-CRED-2).
func wantOpenBadge(t *testing.T, vc map[string]any) {
	t.Helper()
	strs := func(v any) []string {
		var out []string
		switch x := v.(type) {
		case string:
			out = []string{x}
		case []any:
			for _, e := range x {
				s, _ := e.(string)
				out = append(out, s)
			}
		}
		return out
	}
	obj := func(v any) map[string]any { m, _ := v.(map[string]any); return m }
	if ctx := strs(vc["@context"]); len(ctx) < 2 || ctx[0] != credential.ContextVC2 || !slices.Contains(ctx, credential.ContextOB30) {
		t.Errorf("R-CRED-1 @context %v, want the VC 2.0 context first and the OB 3.0 context", ctx)
	}
	if ty := strs(vc["type"]); !slices.Contains(ty, "VerifiableCredential") || !slices.Contains(ty, "OpenBadgeCredential") {
		t.Errorf("R-CRED-1 type %v", ty)
	}
	issuer := obj(vc["issuer"])
	if id, _ := issuer["id"].(string); !strings.HasPrefix(id, "did:web:") || !slices.Contains(strs(issuer["type"]), "Profile") {
		t.Errorf("R-CRED-1 issuer %v, want a did:web Profile", issuer)
	}
	for _, f := range []string{"validFrom", "validUntil"} {
		if _, err := time.Parse(time.RFC3339, fmt.Sprint(vc[f])); err != nil {
			t.Errorf("R-CRED-1 %s %v: %v", f, vc[f], err)
		}
	}
	subject := obj(vc["credentialSubject"])
	if !slices.Contains(strs(subject["type"]), "AchievementSubject") {
		t.Errorf("R-CRED-1 credentialSubject type %v", subject["type"])
	}
	a := obj(subject["achievement"])
	for _, f := range []string{"id", "name", "description"} {
		if s, _ := a[f].(string); s == "" {
			t.Errorf("R-CRED-1 achievement.%s missing: %v", f, a)
		}
	}
	if !slices.Contains(strs(a["type"]), "Achievement") || obj(a["criteria"])["narrative"] == nil {
		t.Errorf("R-CRED-1 achievement type/criteria: %v", a)
	}
	proof := obj(vc["proof"])
	if proof["cryptosuite"] != credential.Cryptosuite || proof["type"] != "DataIntegrityProof" ||
		!strings.HasPrefix(fmt.Sprint(proof["verificationMethod"]), issuer["id"].(string)+"#") {
		t.Errorf("R-CRED-2 proof %v", proof)
	}
	status, _ := vc["credentialStatus"].([]any)
	var purposes []string
	for _, e := range status {
		if obj(e)["type"] == "BitstringStatusListEntry" {
			purposes = append(purposes, fmt.Sprint(obj(e)["statusPurpose"]))
		}
	}
	if !slices.Contains(purposes, "revocation") || !slices.Contains(purposes, "suspension") {
		t.Errorf("R-CRED-3 credentialStatus %v, want a revocation and a suspension entry", status)
	}
}

// verifierCase is one credential for the independent verifier, with the
// status lists as the stack served them at that moment.
type verifierCase struct {
	Name       string         `json:"name"`
	Expect     string         `json:"expect"`
	Credential map[string]any `json:"credential"`
	Documents  map[string]any `json:"documents"`
}

// statusLists fetches both status list credentials of a credential's
// entries, as a verifier would (public, no token).
func statusLists(t *testing.T, s *stacktest.Stack, vc map[string]any) map[string]any {
	t.Helper()
	docs := map[string]any{}
	for _, e := range vc["credentialStatus"].([]any) {
		url := e.(map[string]any)["statusListCredential"].(string)
		_, listID, _ := strings.Cut(url, "/v1/status-lists/")
		r := s.Do(t, "GET", "/v1/status-lists/"+listID, "", nil)
		var doc map[string]any
		if r.Status != 200 || json.Unmarshal(r.Body, &doc) != nil {
			t.Fatalf("status list %s: %d %s", listID, r.Status, r.Body)
		}
		docs[url] = doc
	}
	return docs
}

// The e2e paths of R-CRED through the local stack, judged by the
// independent Node verifier (@digitalbazaar/vc and friends): a current
// credential verifies and an altered one does not (R-CRED-2); renew -> a
// new credential for the new cycle, the old one still valid to its
// validUntil (R-CRED-4); expire -> revoked the day after the expiry
// (R-CRED-3, the expiry job); inactive -> suspended (R-CRED-3, the grant);
// reinstated -> a new credential verifies (R-CRED-4).
func TestCredentialPaths(t *testing.T) {
	s := stacktest.Get(t)
	var cases []verifierCase
	add := func(name, expect string, vc map[string]any) {
		cases = append(cases, verifierCase{Name: name, Expect: expect, Credential: vc, Documents: statusLists(t, s, vc)})
	}

	// Renewal: expiring at the end of this month, renewed now.
	ren := newScene(t, s, "c-cred-renew", startedFor(0))
	old := ren.fetch(200)
	add("current credential", "verified", old)
	altered := cloneJSON(t, old)
	altered["credentialSubject"].(map[string]any)["name"] = "Ana Reyez"
	add("altered bytes (subject name)", "rejected", altered)
	ren.renew()
	renewed := ren.fetch(200)
	if renewed["id"] == old["id"] || renewed["validUntil"] == old["validUntil"] {
		t.Errorf("R-CRED-4 renewal: new credential %v until %v, old %v until %v: want a new id and validUntil",
			renewed["id"], renewed["validUntil"], old["id"], old["validUntil"])
	}
	add("renewed: new cycle's credential", "verified", renewed)
	add("renewed: previous cycle's credential until its validUntil", "verified", old)

	// Expiry: the job for the day after the cycle end revokes the credential.
	exp := newScene(t, s, "c-cred-expire", startedFor(0))
	lapsing := exp.fetch(200)
	add("before expiry", "verified", lapsing)
	end := calendar.CycleFromStart(startedFor(0)).End
	var rep struct {
		Expired            int
		CredentialsRevoked int `json:"credentialsRevoked"`
	}
	if err := json.Unmarshal(s.Invoke(t, "CertificationExpiryFunction",
		s.ScheduledEvent(t, "CertificationExpiryFunction", end.AddDays(1).Time())), &rep); err != nil {
		t.Fatal(err)
	}
	if rep.Expired < 1 || rep.CredentialsRevoked < 1 {
		t.Errorf("R-CRED-3 expiry job %+v, want the expiry and its revocation", rep)
	}
	add("the day after expiry", "revoked", lapsing)
	// Renewed after the lapse: a new entry, so the revoked bit stays set.
	exp.renew()
	add("renewed after a revocation: new credential", "verified", exp.fetch(200))
	add("renewed after a revocation: the revoked one", "revoked", lapsing)

	// Inactive: the grant suspends the credential; none is issued while inactive.
	ina := newScene(t, s, "c-cred-inactive", today().FirstOfMonth().AddMonths(-12))
	active := ina.fetch(200)
	var req struct{ ID string }
	if r := s.Do(t, "POST", "/v1/certificants/"+ina.id+"/inactive-requests", ina.token, map[string]any{"certification": "ASCPi-MLS",
		"reason": "serious illness over one year", "basis": "illness", "documents": []map[string]string{{"fileName": "letter.pdf"}}}); r.Status != 201 || json.Unmarshal(r.Body, &req) != nil {
		t.Fatalf("inactive request: %d %s", r.Status, r.Body)
	}
	s.Pay(t, req.ID) // R-PAY-1: decided once paid
	until := calendar.CycleFromStart(today().FirstOfMonth().AddMonths(-12)).End.AddMonths(12).EndOfMonth()
	if r := s.Do(t, "POST", "/v1/certificants/"+ina.id+"/inactive-requests/"+req.ID+"/decision", ina.staff,
		map[string]any{"decision": "grant", "extendedUntil": until.String(), "reason": "documented illness"}); r.Status != 200 {
		t.Fatalf("grant: %d %s", r.Status, r.Body)
	}
	add("after an inactive grant", "suspended", active)
	ina.fetch(409) // R-CRED-1: not current while inactive

	// Reinstatement: expired last month, no credential; reinstated, one verifies.
	re := newScene(t, s, "c-cred-reinstate", startedFor(-1))
	re.fetch(409) // R-CRED-1: expired, not current
	re.renew()
	add("reinstated", "verified", re.fetch(200))

	did := s.Do(t, "GET", "/.well-known/did.json", "", nil)
	var doc map[string]any
	if did.Status != 200 || json.Unmarshal(did.Body, &doc) != nil {
		t.Fatalf("DID document: %d %s", did.Status, did.Body)
	}
	runVerifier(t, map[string]any{"documents": map[string]any{doc["id"].(string): doc}, "cases": cases})
}

func cloneJSON(t *testing.T, v map[string]any) map[string]any {
	raw, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	var out map[string]any
	if err := json.Unmarshal(raw, &out); err != nil {
		t.Fatal(err)
	}
	return out
}

func repoRoot() string {
	_, file, _, _ := runtime.Caller(0)
	return filepath.Join(filepath.Dir(file), "..", "..", "..", "..")
}

// runVerifier writes the cases where `make test` prints the verifier's
// counts from (.build/credential-cases.json) and runs the verifier on them.
func runVerifier(t *testing.T, input map[string]any) {
	t.Helper()
	raw, err := json.MarshalIndent(input, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(repoRoot(), ".build", "credential-cases.json")
	if err := os.MkdirAll(filepath.Dir(file), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(file, raw, 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
	defer cancel()
	out, err := exec.CommandContext(ctx, "node", filepath.Join(repoRoot(), "infra", "local", "credentials", "verify.mjs"), file).CombinedOutput()
	t.Logf("independent verifier:\n%s", out)
	if err != nil {
		t.Fatalf("independent verifier: %v\n%s", err, out)
	}
}

// Parallel first fetches of a cycle's credential take one status entry:
// every answer is 200 with the same credential id and status index.
func TestParallelFirstFetch(t *testing.T) {
	s := stacktest.Get(t)
	sc := newScene(t, s, "c-cred-parallel", startedFor(12))
	const n = 3
	ids := make([]string, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			r := s.Do(t, "GET", "/v1/certificants/"+sc.id+"/certifications/ASCPi-MLS/credential", sc.token, nil)
			var vc struct {
				ID     string `json:"id"`
				Status []struct {
					Index string `json:"statusListIndex"`
				} `json:"credentialStatus"`
			}
			if r.Status != 200 || json.Unmarshal(r.Body, &vc) != nil || len(vc.Status) == 0 {
				t.Errorf("fetch %d: %d %s", i, r.Status, r.Body)
				return
			}
			ids[i] = vc.ID + " " + vc.Status[0].Index
		})
	}
	wg.Wait()
	for i, id := range ids {
		if id != ids[0] {
			t.Errorf("fetch %d: credential %q, fetch 0 %q: want one entry for the cycle", i, id, ids[0])
		}
	}
}

// Budgets: issuing costs at most 2 DynamoDB round trips (1 once the
// cycle's status entry is taken); a status list is one Query.
func TestRoundTrips(t *testing.T) {
	s := stacktest.Get(t)
	sc := newScene(t, s, "c-cred-rt", startedFor(6))
	c := &roundtrips.Counter{}
	table := dynamo.New(dynamodb.New(s.DynamoDB().Options(), c.Option), s.TableName)
	raw, err := credential.NewSecret("key-rt", nil)
	if err != nil {
		t.Fatal(err)
	}
	keys, err := credential.ParseKeySet("did:web:cmp.example.org", raw)
	if err != nil {
		t.Fatal(err)
	}
	signer, err := credential.NewSigner(keys)
	if err != nil {
		t.Fatal(err)
	}
	rt := credentialapi.NewRouter(credential.NewService(table, signer, "https://cmp.example.org", time.Now), httpapi.NewLogger(io.Discard))
	call := func(route string, params map[string]string) int64 {
		ev := events.APIGatewayV2HTTPRequest{RouteKey: route, PathParameters: params, Headers: map[string]string{}}
		ev.RequestContext.Authorizer = &events.APIGatewayV2HTTPRequestContextAuthorizerDescription{
			JWT: &events.APIGatewayV2HTTPRequestContextAuthorizerJWTDescription{Claims: map[string]string{"sub": sc.id}}}
		c.Take()
		if resp := rt.Serve(context.Background(), ev); resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", route, resp.StatusCode, resp.Body)
		}
		return c.Take()
	}
	cred := map[string]string{"id": sc.id, "key": "ASCPi-MLS"}
	for _, tc := range []struct {
		name   string
		n      int64
		budget int64
	}{
		{"first issue of a cycle", call(credentialapi.RouteCredential, cred), 2},
		{"issue again", call(credentialapi.RouteCredential, cred), 1},
		{"status list", call(credentialapi.RouteStatusList, map[string]string{"listId": statuslist.ListID(statuslist.Revocation, 1)}), 1},
	} {
		t.Logf("%s: %d round trips", tc.name, tc.n)
		if tc.n > tc.budget {
			t.Errorf("%s: %d DynamoDB round trips, budget %d", tc.name, tc.n, tc.budget)
		}
	}
}
