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
// (certifications, activities, declarations) are added as more requests.
type seedRequest struct {
	method, path string
	body         any
	// ok lists the statuses that count as seeded; 409 means it already exists
	// (the DynamoDB data persists between runs).
	ok []int
}

func seedRequests() []seedRequest {
	var rs []seedRequest
	for _, c := range demoCertificants {
		rs = append(rs, seedRequest{method: "POST", path: "/v1/certificants", ok: []int{201, 409},
			body: map[string]any{"id": c.id, "name": map[string]string{"given": c.given, "family": c.family}, "email": c.email, "country": c.country}})
	}
	return rs
}

// seedDemo sends every seed request as staff and says which ones failed.
func seedDemo(ctx context.Context, apiURL, staffToken string) {
	client := &http.Client{Timeout: 30 * time.Second}
	failed := 0
	for _, r := range seedRequests() {
		status, body, err := send(ctx, client, apiURL, staffToken, r)
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
