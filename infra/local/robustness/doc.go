// Package robustness holds the stack-wide fuzz test of issue 11: mutated
// bodies, paths and headers on every route of template.yaml through the
// local stack, none of which may get a 5xx or an error that is not
// problem+json. It has no code of its own; `make test` runs it verbosely so
// its count shows.
package robustness
