// Package apispec reads openapi.yaml, the published HTTP contract, so tests
// can hold it to template.yaml's routes.
package apispec

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// methods are the OpenAPI operation keys of a path item.
var methods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// Spec is the part of an OpenAPI document the checks need.
type Spec struct {
	OpenAPI string                               `yaml:"openapi"`
	Paths   map[string]map[string]yaml.Node      `yaml:"paths"`
	Comps   map[string]map[string]map[string]any `yaml:"components"`
}

// Load parses an OpenAPI document.
func Load(path string) (Spec, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return Spec{}, fmt.Errorf("apispec: %w", err)
	}
	var s Spec
	if err := yaml.Unmarshal(raw, &s); err != nil {
		return Spec{}, fmt.Errorf("apispec: parse %s: %w", path, err)
	}
	return s, nil
}

// RouteKeys lists the operations as API Gateway route keys ("GET /v1/x/{id}"), sorted.
func (s Spec) RouteKeys() []string {
	var keys []string
	for path, item := range s.Paths {
		for m := range item {
			if slices.Contains(methods, m) {
				keys = append(keys, strings.ToUpper(m)+" "+path)
			}
		}
	}
	slices.Sort(keys)
	return keys
}

// Component reports whether "#/components/<kind>/<name>" is defined.
func (s Spec) Component(ref string) bool {
	kind, name, ok := strings.Cut(strings.TrimPrefix(ref, "#/components/"), "/")
	if !ok {
		return false
	}
	_, found := s.Comps[kind][name]
	return found
}
