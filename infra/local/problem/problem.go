// Package problem writes the runner's own error answers as RFC 9457
// application/problem+json, the error shape api.md promises.
package problem

import (
	"encoding/json"
	"net/http"
)

// Write answers status with a problem document.
func Write(w http.ResponseWriter, status int, detail string) {
	w.Header().Set("Content-Type", "application/problem+json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(map[string]any{
		"type":   "about:blank",
		"title":  http.StatusText(status),
		"status": status,
		"detail": detail,
	})
}
