package boot_test

import (
	"os/exec"
	"strings"
	"testing"
)

// Issue 14: the SDK service modules stay below their schema-based serde
// releases (dynamodb v1.69.0, dynamodbstreams v1.42.0, sesv2 v1.75.0,
// secretsmanager v1.50.0). Those generate a package of schemas built at
// init (dynamodb's: 3,150 allocations, 590 kB), which alone put hello world
// plus a DynamoDB client at 1.4x hello's init, over the 1.3x budget before
// any function code; the older releases serialize with generated code and
// start at hello's time. An upgrade that brings a schemas package back
// fails here: measure it with `make bench` before moving the pin.
func TestNoSchemaSerdeInFunctions(t *testing.T) {
	out, err := exec.Command("go", "list", "-deps", "../../functions/...").CombinedOutput()
	if err != nil {
		t.Fatalf("go list: %v\n%s", err, out)
	}
	for _, pkg := range strings.Fields(string(out)) {
		if strings.HasPrefix(pkg, "github.com/aws/aws-sdk-go-v2/service/") && strings.HasSuffix(pkg, "/schemas") {
			t.Errorf("a function links %s (the SDK's schema-based serde, built at init)", pkg)
		}
	}
}
