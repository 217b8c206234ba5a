package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"net/http"
	"reflect"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/boc/cmp/internal/fielderr"
)

// MaxID bounds every id and key a request names, in its path or its body
// (idFields): each becomes part of a table key, whose size DynamoDB limits,
// and no real id comes near it.
const MaxID = 128

// idFields are the body fields that name an id or a key, at any depth.
var idFields = map[string]bool{
	"id": true, "certificantId": true, "certification": true, "activityId": true, "attemptId": true,
	"program": true, "category": true, "earnedCertification": true, "batchId": true, "courseId": true,
	"certificationNumber": true, "number": true,
}

// checkParams answers 404 for a path id no record can have: over MaxID, not
// UTF-8, or with control characters. It never reaches the table.
func checkParams(params map[string]string) error {
	for name, v := range params {
		if len(v) > MaxID || !utf8.ValidString(v) || controlAt(v, false) >= 0 {
			return NewProblem(http.StatusNotFound, fmt.Sprintf("no such %s (at most %d characters, no control characters)", name, MaxID))
		}
	}
	return nil
}

// controlAt is the index of the first control character of s (C0, DEL,
// C1), newline allowed when newline is true; -1 if none.
func controlAt(s string, newline bool) int {
	return strings.IndexFunc(s, func(r rune) bool {
		if r == '\n' && newline {
			return false
		}
		return r < 0x20 || r == 0x7f || (r >= 0x80 && r <= 0x9f)
	})
}

// checkContentType answers 415 unless the body is declared application/json
// (parameters such as charset=utf-8 allowed).
func (r *Request) checkContentType() error {
	mt, params, err := mime.ParseMediaType(r.Header("Content-Type"))
	if err != nil || mt != "application/json" || (params["charset"] != "" && !strings.EqualFold(params["charset"], "utf-8")) {
		return NewProblem(http.StatusUnsupportedMediaType, "the body must be application/json")
	}
	return nil
}

// checkStrict enforces api.md's strict JSON before decoding into dst's type:
// valid UTF-8, no duplicate keys, field names matching exactly (encoding/json
// alone would take "Title" for "title"), no control characters in text
// (newline only, for free text; fields that must be one line refuse it
// themselves), and ids within MaxID. Syntax errors are left to the decoder,
// which names their position.
func checkStrict(body []byte, dst any) error {
	if !utf8.Valid(body) {
		return BadRequest("the body is not valid UTF-8")
	}
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber()
	w := walker{dec: dec}
	err := w.value(reflect.TypeOf(dst), "")
	if err == errSyntax {
		return nil
	}
	return err
}

// errSyntax stops the walk; Decode reports the syntax error itself.
var errSyntax = fmt.Errorf("syntax")

type walker struct{ dec *json.Decoder }

var unmarshalerType = reflect.TypeFor[json.Unmarshaler]()

// elemType resolves pointers; nil for a type that decodes itself or any.
func elemType(t reflect.Type) reflect.Type {
	for t != nil && t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	if t == nil || t.Kind() == reflect.Interface || reflect.PointerTo(t).Implements(unmarshalerType) {
		return nil
	}
	return t
}

func (w *walker) value(t reflect.Type, path string) error {
	tok, err := w.dec.Token()
	if err != nil {
		return errSyntax
	}
	t = elemType(t)
	switch v := tok.(type) {
	case json.Delim:
		if v == '{' {
			return w.object(t, path)
		}
		if v == '[' {
			var elem reflect.Type
			if t != nil && (t.Kind() == reflect.Slice || t.Kind() == reflect.Array) {
				elem = t.Elem()
			}
			for i := 0; w.dec.More(); i++ {
				if err := w.value(elem, path+"["+strconv.Itoa(i)+"]"); err != nil {
					return err
				}
			}
			if _, err := w.dec.Token(); err != nil {
				return errSyntax
			}
		}
	case string:
		return checkText(path, v)
	}
	return nil
}

func (w *walker) object(t reflect.Type, path string) error {
	var fields map[string]reflect.Type
	if t != nil && t.Kind() == reflect.Struct {
		fields = jsonFields(t)
	}
	seen := map[string]bool{}
	for w.dec.More() {
		tok, err := w.dec.Token()
		if err != nil {
			return errSyntax
		}
		key, _ := tok.(string)
		field := key
		if path != "" {
			field = path + "." + key
		}
		if seen[key] {
			return BadRequest("duplicate key", fielderr.Field{Field: field, Message: "appears twice in the object"})
		}
		seen[key] = true
		var ft reflect.Type
		switch {
		case fields != nil:
			var ok bool
			if ft, ok = fields[key]; !ok {
				for name := range fields {
					if strings.EqualFold(name, key) {
						return BadRequest("unknown field", fielderr.Field{Field: field, Message: "unknown field (names are case-sensitive: " + name + ")"})
					}
				}
			}
		case t != nil && t.Kind() == reflect.Map:
			ft = t.Elem()
		}
		if idFields[key] {
			if err := w.id(ft, field); err != nil {
				return err
			}
			continue
		}
		if err := w.value(ft, field); err != nil {
			return err
		}
	}
	if _, err := w.dec.Token(); err != nil {
		return errSyntax
	}
	return nil
}

// id checks an id field: a string within MaxID (other shapes are the
// decoder's to refuse).
func (w *walker) id(t reflect.Type, field string) error {
	if !w.dec.More() {
		return errSyntax
	}
	var raw json.RawMessage
	if err := w.dec.Decode(&raw); err != nil {
		return errSyntax
	}
	var s string
	if json.Unmarshal(raw, &s) != nil {
		// Not a string: walk it as any other value.
		return checkStrict(raw, reflect.New(nonNil(t)).Interface())
	}
	if len(s) > MaxID {
		return BadRequest("id too long", fielderr.Field{Field: field, Message: fmt.Sprintf("at most %d characters", MaxID)})
	}
	return checkText(field, s)
}

func nonNil(t reflect.Type) reflect.Type {
	if t == nil {
		return reflect.TypeFor[any]()
	}
	return t
}

func checkText(field string, s string) error {
	if controlAt(s, true) >= 0 {
		if field == "" {
			field = "(body)"
		}
		return BadRequest("control character in text", fielderr.Field{Field: field, Message: "no control characters (a newline only in free text)"})
	}
	return nil
}

// jsonFields maps a struct's JSON names (embedded structs flattened) to
// their types, as encoding/json names them.
func jsonFields(t reflect.Type) map[string]reflect.Type {
	out := map[string]reflect.Type{}
	for i := range t.NumField() {
		f := t.Field(i)
		tag := f.Tag.Get("json")
		if tag == "-" {
			continue
		}
		name, _, _ := strings.Cut(tag, ",")
		if f.Anonymous && name == "" {
			if et := elemType(f.Type); et != nil && et.Kind() == reflect.Struct {
				for k, v := range jsonFields(et) {
					if _, ok := out[k]; !ok {
						out[k] = v
					}
				}
				continue
			}
		}
		if !f.IsExported() {
			continue
		}
		if name == "" {
			name = f.Name
		}
		out[name] = f.Type
	}
	return out
}
