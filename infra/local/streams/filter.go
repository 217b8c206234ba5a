package streams

import (
	"encoding/json"
	"strings"
)

// matches applies Lambda event filtering: no filters pass everything; else a
// record passes when any pattern matches. Supported: nested keys, lists of
// exact values, and the prefix, exists and anything-but operators.
func matches(filters []string, record json.RawMessage) bool {
	if len(filters) == 0 {
		return true
	}
	var rec map[string]any
	if json.Unmarshal(record, &rec) != nil {
		return false
	}
	for _, f := range filters {
		var pat map[string]any
		if json.Unmarshal([]byte(f), &pat) == nil && matchObject(pat, rec) {
			return true
		}
	}
	return false
}

func matchObject(pat map[string]any, v map[string]any) bool {
	for k, pv := range pat {
		val, present := v[k]
		switch p := pv.(type) {
		case map[string]any:
			sub, ok := val.(map[string]any)
			if !ok || !matchObject(p, sub) {
				return false
			}
		case []any:
			if !matchAny(p, val, present) {
				return false
			}
		default:
			return false // a pattern leaf must be a list
		}
	}
	return true
}

func matchAny(alts []any, val any, present bool) bool {
	for _, a := range alts {
		if matchOne(a, val, present) {
			return true
		}
	}
	return false
}

func matchOne(alt, val any, present bool) bool {
	op, isOp := alt.(map[string]any)
	if !isOp {
		if !present {
			return false
		}
		if list, ok := val.([]any); ok { // a list value matches when any element does
			for _, e := range list {
				if e == alt {
					return true
				}
			}
			return false
		}
		return val == alt
	}
	if e, ok := op["exists"].(bool); ok {
		return present == e
	}
	if pre, ok := op["prefix"].(string); ok {
		s, isStr := val.(string)
		return present && isStr && strings.HasPrefix(s, pre)
	}
	if but, ok := op["anything-but"]; ok {
		if !present {
			return false
		}
		list, isList := but.([]any)
		if !isList {
			list = []any{but}
		}
		for _, x := range list {
			if x == val {
				return false
			}
		}
		return true
	}
	return false
}
