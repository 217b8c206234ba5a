package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
	"time"
)

const demoStaff = "staff-demo"

type demoCertificant struct{ id, given, family, email, country string }

var demoCertificants = []demoCertificant{
	{"c-demo-1", "Ada", "Rivera", "ada.rivera@example.org", "US"},
	{"c-demo-2", "Kwame", "Mensah", "kwame.mensah@example.org", "GH"},
	{"c-demo-3", "Mei", "Tanaka", "mei.tanaka@example.org", "JP"},
}

// seedRequest is one demo-data call through the HTTP API. Later routes
// (declarations) are added as more requests.
type seedRequest struct {
	method, path string
	body         any
	// ok lists the statuses that count as seeded; 409 means it already exists
	// (the DynamoDB data persists between runs).
	ok []int
	// as is the certificant the request is sent as; "" sends it as staff.
	as string
	// registers marks a certification registration of that certificant;
	// firstRun requests of the certificant are sent only after one answered
	// 201 in this run, so persistent data gets no duplicate activities.
	registers string
	firstRun  bool
}

// demoCycles: certification and activities per demo certificant, dated
// relative to today so progress and the submission window look alive.
func demoCycles(today time.Time) []seedRequest {
	day := func(monthsAgo, days int) string { return today.AddDate(0, -monthsAgo, -days).Format(time.DateOnly) }
	register := func(id, program, category, started string) seedRequest {
		return seedRequest{method: "POST", path: "/v1/certificants/" + id + "/certifications", ok: []int{201, 409}, registers: id,
			body: map[string]any{"program": program, "category": category, "startedOn": started}}
	}
	activity := func(id string, body map[string]any) seedRequest {
		return seedRequest{method: "POST", path: "/v1/certificants/" + id + "/activities", ok: []int{201}, as: id, firstRun: true, body: body}
	}
	ce := func(title string, hours string, completed string, areas ...string) map[string]any {
		return map[string]any{"type": "formal_ce", "title": title, "provider": "ASCLS", "completedOn": completed,
			"areas": areas, "contactHours": hours, "accreditation": "ASCLS_PACE"}
	}
	// c-demo-1: MLS, 30 months into its cycle (window opens in 3 months), short of the total.
	// c-demo-2: BB, a year in. c-demo-3: US MLT first issued in 2000, voluntary (R-CAT-4).
	return []seedRequest{
		register("c-demo-1", "ASCPi", "MLS", day(30, 0)),
		activity("c-demo-1", ce("Laboratory safety refresher", "2", day(20, 0), "safety")),
		activity("c-demo-1", ce("Ethics in the clinical laboratory", "1", day(18, 3), "ethics")),
		activity("c-demo-1", ce("Antibody identification", "3", day(15, 0), "blood_banking")),
		activity("c-demo-1", ce("Cardiac markers", "2.5", day(12, 0), "chemistry")),
		activity("c-demo-1", ce("Anemia work-up", "2", day(9, 0), "hematology")),
		activity("c-demo-1", ce("Antimicrobial stewardship", "2", day(6, 0), "microbiology", "management")),
		activity("c-demo-1", map[string]any{"type": "journal_article", "title": "A case of acquired hemophilia", "provider": "Lab Medicine",
			"completedOn": day(4, 0), "areas": []string{"hematology"}}),
		activity("c-demo-1", map[string]any{"type": "college_course", "title": "Molecular diagnostics", "provider": "State University",
			"completedOn": day(3, 0), "areas": []string{"molecular_biology"}, "semesterHours": "1"}),
		register("c-demo-2", "ASCPi", "BB", day(12, 0)),
		activity("c-demo-2", ce("Transfusion safety", "1.5", day(8, 0), "safety", "blood_banking")),
		activity("c-demo-2", ce("Rare red cell antigens", "4", day(2, 0), "blood_banking")),
		register("c-demo-3", "ASCP", "MLT", "2000-06-15"),
	}
}

func seedRequests() []seedRequest {
	var rs []seedRequest
	for _, c := range demoCertificants {
		rs = append(rs, seedRequest{method: "POST", path: "/v1/certificants", ok: []int{201, 409},
			body: map[string]any{"id": c.id, "name": map[string]string{"given": c.given, "family": c.family}, "email": c.email, "country": c.country}})
	}
	return append(rs, demoCycles(time.Now())...)
}

// seedDemo sends every seed request, as staff or as its certificant (mint
// makes their token), and says which ones failed.
func seedDemo(ctx context.Context, apiURL, staffToken string, mint func(sub string) (string, error)) {
	client := &http.Client{Timeout: 30 * time.Second}
	failed := 0
	fresh := map[string]bool{}
	for _, r := range seedRequests() {
		if r.firstRun && !fresh[r.as] {
			continue
		}
		tok := staffToken
		if r.as != "" {
			var err error
			if tok, err = mint(r.as); err != nil {
				failed++
				fmt.Fprintf(os.Stderr, "cmp-local: seed token for %s: %v\n", r.as, err)
				continue
			}
		}
		status, body, err := send(ctx, client, apiURL, tok, r)
		if r.registers != "" && status == http.StatusCreated {
			fresh[r.registers] = true
		}
		switch {
		case err != nil:
			failed++
			fmt.Fprintf(os.Stderr, "cmp-local: seed %s %s failed: %v\n", r.method, r.path, err)
		case !contains(r.ok, status):
			failed++
			fmt.Fprintf(os.Stderr, "cmp-local: seed %s %s failed: %d %s\n", r.method, r.path, status, body)
		}
	}
	fmt.Fprintf(os.Stderr, "cmp-local: seeded %d of %d demo requests\n", len(seedRequests())-failed, len(seedRequests()))
}

func send(ctx context.Context, client *http.Client, apiURL, token string, r seedRequest) (int, []byte, error) {
	b, err := json.Marshal(r.body)
	if err != nil {
		return 0, nil, fmt.Errorf("encode: %w", err)
	}
	req, err := http.NewRequestWithContext(ctx, r.method, apiURL+r.path, bytes.NewReader(b))
	if err != nil {
		return 0, nil, err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(io.LimitReader(resp.Body, 4096))
	return resp.StatusCode, body, nil
}

func contains(xs []int, x int) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}
