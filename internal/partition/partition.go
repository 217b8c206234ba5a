// Package partition owns the certificant's partition (pk=C#<id>): its
// entities as stored (profile, certifications, transcript activities,
// declarations), the one-Query reader that returns the partition typed, and
// the write builders more than one use case uses. Use cases read and write
// through it and never import each other for data (architecture.md, "The
// dependency rule"); the key prefixes stay in dynamo/patterns.go.
package partition
