package certificants

// What the external route tests (routes_test.go) borrow from the package.
type MemStore = memStore

var (
	IDPattern  = idPattern
	Registered = registered
)
