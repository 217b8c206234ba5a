package contracttest

import (
	"os"
	"regexp"
	"slices"
	"testing"
)

const specPath = "../../../openapi.yaml"

// api.md: openapi.yaml stays in step with the code; a route in one and not
// the other fails here.
func TestSpecPathsMatchTemplateRoutes(t *testing.T) {
	spec, err := loadSpec(specPath)
	if err != nil {
		t.Fatal(err)
	}
	if spec.OpenAPI != "3.1.0" {
		t.Errorf("openapi %q, want 3.1.0", spec.OpenAPI)
	}
	var routes []string
	for _, fn := range loadFunctions(t) {
		routes = append(routes, fn.Routes...)
	}
	slices.Sort(routes)
	documented := spec.RouteKeys()
	for _, r := range routes {
		if !slices.Contains(documented, r) {
			t.Errorf("template route %q is missing from openapi.yaml", r)
		}
	}
	for _, r := range documented {
		if !slices.Contains(routes, r) {
			t.Errorf("openapi.yaml documents %q, which no template function serves", r)
		}
	}
}

// Every $ref of the spec resolves, so a renamed schema cannot leave a hole.
func TestSpecRefsResolve(t *testing.T) {
	raw, err := os.ReadFile(specPath)
	if err != nil {
		t.Fatal(err)
	}
	spec, err := loadSpec(specPath)
	if err != nil {
		t.Fatal(err)
	}
	refs := regexp.MustCompile(`\$ref: "([^"]+)"`).FindAllStringSubmatch(string(raw), -1)
	if len(refs) == 0 {
		t.Fatal("no $ref found: the pattern no longer matches the file's style")
	}
	for _, m := range refs {
		if !spec.Component(m[1]) {
			t.Errorf("unresolved $ref %s", m[1])
		}
	}
}
