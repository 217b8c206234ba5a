package contracttest

// This file reads openapi.yaml, the published HTTP contract, so the tests can
// hold it to template.yaml's routes.

import (
	"fmt"
	"os"
	"slices"
	"strings"

	"gopkg.in/yaml.v3"
)

// methods are the OpenAPI operation keys of a path item.
var methods = []string{"get", "put", "post", "delete", "options", "head", "patch", "trace"}

// openAPI is the part of an OpenAPI document the checks need.
type openAPI struct {
	OpenAPI string                               `yaml:"openapi"`
	Paths   map[string]map[string]yaml.Node      `yaml:"paths"`
	Comps   map[string]map[string]map[string]any `yaml:"components"`
}

// loadSpec parses an OpenAPI document.
func loadSpec(path string) (openAPI, error) {
	raw, err := os.ReadFile(path)
	if err != nil {
		return openAPI{}, fmt.Errorf("openapi: %w", err)
	}
	var s openAPI
	if err := yaml.Unmarshal(raw, &s); err != nil {
		return openAPI{}, fmt.Errorf("openapi: parse %s: %w", path, err)
	}
	return s, nil
}

// RouteKeys lists the operations as API Gateway route keys ("GET /v1/x/{id}"), sorted.
func (s openAPI) RouteKeys() []string {
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
func (s openAPI) Component(ref string) bool {
	kind, name, ok := strings.Cut(strings.TrimPrefix(ref, "#/components/"), "/")
	if !ok {
		return false
	}
	_, found := s.Comps[kind][name]
	return found
}
