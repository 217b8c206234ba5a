// Package template reads the parts of a SAM template.yaml the local stack
// runs: functions with their HTTP API, ScheduleV2 and DynamoDB stream events,
// their environment, and the DynamoDB table definition. It resolves the
// intrinsic functions the template uses (!Ref, !GetAtt, !Sub, short and long
// forms) the way a local deployment would.
package template

import (
	"encoding/json"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strings"
	"time"

	"gopkg.in/yaml.v3"
)

// Region and StackName stand in for the pseudo parameters locally.
const (
	Region    = "us-east-1"
	AccountID = "000000000000"
	StackName = "cmp-local"
)

const defaultStage = "$default"

// Template is what the local stack needs from template.yaml.
type Template struct {
	Parameters map[string]string // parameter defaults
	Functions  []Function        // sorted by logical id
	Table      *Table            // nil when the template declares none
	// APIStage is the HTTP API's StageName; SAM's default, also for an
	// implicit API, is "$default", which serves the routes at the root.
	APIStage string
}

// Function is one AWS::Serverless::Function with Globals applied.
type Function struct {
	LogicalID string
	Handler   string
	Runtime   string
	MemoryMB  int
	Timeout   time.Duration
	Env       map[string]string
	HTTP      []Route
	Schedules []Schedule
	Streams   []StreamSource
}

// Route is an HttpApi event.
type Route struct {
	Event  string // event name in the template
	Method string // upper case; "ANY" matches every method
	Path   string // e.g. /v1/certificants/{id}
	NoAuth bool   // Auth.Authorizer: NONE
}

// Schedule is a ScheduleV2 event.
type Schedule struct {
	Event      string
	Expression string // cron(...), rate(...) or at(...)
	Timezone   string // IANA name; "" means UTC
	Input      string // "" means the default scheduler event
	Enabled    bool
}

// StreamSource is a DynamoDB event: an event source mapping on the table stream.
type StreamSource struct {
	Event              string
	StartingPosition   string // TRIM_HORIZON or LATEST
	BatchSize          int
	BatchingWindow     time.Duration
	MaxRetries         int // -1: until the record expires
	Bisect             bool
	ReportItemFailures bool
	Filters            []string // JSON event patterns; a record passes when any matches
}

// Table is the AWS::DynamoDB::Table definition.
type Table struct {
	LogicalID  string
	Name       string            // the local table name the !Ref resolves to
	Attributes map[string]string // name -> S, N or B
	HashKey    string
	RangeKey   string
	GSIs       []Index
	StreamView string // "" when no stream
	TTL        string // TTL attribute name, "" when off
}

// Index is a global secondary index.
type Index struct {
	Name, HashKey, RangeKey, Projection string
}

// Options say how references resolve locally.
type Options struct {
	TableName string // what !Ref <the table> resolves to; default is its logical id
}

// Load reads and parses a template file.
func Load(path string, opt Options) (*Template, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, fmt.Errorf("read template: %w", err)
	}
	t, err := Parse(data, opt)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", path, err)
	}
	return t, nil
}

// Function returns the function with that logical id.
func (t *Template) Function(id string) (*Function, bool) {
	for i := range t.Functions {
		if t.Functions[i].LogicalID == id {
			return &t.Functions[i], true
		}
	}
	return nil, false
}

type rawResource struct {
	Type       string    `yaml:"Type"`
	Properties yaml.Node `yaml:"Properties"`
}

type rawTemplate struct {
	Parameters map[string]struct {
		Default yaml.Node `yaml:"Default"`
	} `yaml:"Parameters"`
	Globals struct {
		Function yaml.Node `yaml:"Function"`
	} `yaml:"Globals"`
	Resources map[string]rawResource `yaml:"Resources"`
}

type functionProps struct {
	Handler     string `yaml:"Handler"`
	Runtime     string `yaml:"Runtime"`
	MemorySize  int    `yaml:"MemorySize"`
	Timeout     int    `yaml:"Timeout"`
	Environment struct {
		Variables map[string]string `yaml:"Variables"`
	} `yaml:"Environment"`
	Events map[string]struct {
		Type       string    `yaml:"Type"`
		Properties yaml.Node `yaml:"Properties"`
	} `yaml:"Events"`
}

// Parse parses template text.
func Parse(data []byte, opt Options) (*Template, error) {
	var raw rawTemplate
	if err := yaml.Unmarshal(data, &raw); err != nil {
		return nil, fmt.Errorf("parse yaml: %w", err)
	}
	r := &resolver{params: map[string]string{}, types: map[string]string{}, tableName: opt.TableName}
	for name, p := range raw.Parameters {
		var v string
		if p.Default.Kind != 0 {
			if err := p.Default.Decode(&v); err != nil {
				return nil, fmt.Errorf("parameter %s default: %w", name, err)
			}
		}
		r.params[name] = v
	}
	for id, res := range raw.Resources {
		r.types[id] = res.Type
	}
	t := &Template{Parameters: r.params, APIStage: defaultStage}
	apis := 0

	var globals functionProps
	if raw.Globals.Function.Kind != 0 {
		if err := r.decode(&raw.Globals.Function, &globals); err != nil {
			return nil, fmt.Errorf("Globals.Function: %w", err)
		}
	}
	for id, res := range raw.Resources {
		switch res.Type {
		case "AWS::Serverless::Function":
			f, err := r.function(id, &res.Properties, globals)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", id, err)
			}
			t.Functions = append(t.Functions, f)
		case "AWS::Serverless::HttpApi":
			if apis++; apis > 1 {
				return nil, fmt.Errorf("%s: the local stack supports one HTTP API", id)
			}
			var p struct {
				StageName string `yaml:"StageName"`
			}
			if err := r.decode(&res.Properties, &p); err != nil {
				return nil, fmt.Errorf("%s: %w", id, err)
			}
			t.APIStage = firstNonEmpty(p.StageName, defaultStage)
		case "AWS::DynamoDB::Table":
			if t.Table != nil {
				return nil, fmt.Errorf("%s: the local stack supports one table, %s is already declared", id, t.Table.LogicalID)
			}
			tab, err := r.table(id, &res.Properties)
			if err != nil {
				return nil, fmt.Errorf("%s: %w", id, err)
			}
			t.Table = tab
		}
	}
	sort.Slice(t.Functions, func(i, j int) bool { return t.Functions[i].LogicalID < t.Functions[j].LogicalID })
	return t, nil
}

func (r *resolver) function(id string, node *yaml.Node, g functionProps) (Function, error) {
	var p functionProps
	if err := r.decode(node, &p); err != nil {
		return Function{}, err
	}
	f := Function{
		LogicalID: id,
		Handler:   firstNonEmpty(p.Handler, g.Handler),
		Runtime:   firstNonEmpty(p.Runtime, g.Runtime),
		MemoryMB:  firstPositive(p.MemorySize, g.MemorySize, 128), // SAM defaults
		Timeout:   time.Duration(firstPositive(p.Timeout, g.Timeout, 3)) * time.Second,
		Env:       map[string]string{},
	}
	for k, v := range g.Environment.Variables {
		f.Env[k] = v
	}
	for k, v := range p.Environment.Variables { // the function's own win
		f.Env[k] = v
	}
	names := make([]string, 0, len(p.Events))
	for n := range p.Events {
		names = append(names, n)
	}
	sort.Strings(names)
	for _, name := range names {
		ev := p.Events[name]
		if err := r.event(&f, name, ev.Type, &ev.Properties); err != nil {
			return Function{}, fmt.Errorf("event %s: %w", name, err)
		}
	}
	return f, nil
}

func (r *resolver) event(f *Function, name, typ string, node *yaml.Node) error {
	switch typ {
	case "HttpApi":
		var p struct {
			Method string `yaml:"Method"`
			Path   string `yaml:"Path"`
			Auth   struct {
				Authorizer string `yaml:"Authorizer"`
			} `yaml:"Auth"`
		}
		if err := r.decode(node, &p); err != nil {
			return err
		}
		// SAM: an HttpApi event without Method/Path is the $default route.
		route := Route{Event: name, Method: strings.ToUpper(firstNonEmpty(p.Method, "ANY")), Path: firstNonEmpty(p.Path, "$default"), NoAuth: p.Auth.Authorizer == "NONE"}
		if route.Path != "$default" && !strings.HasPrefix(route.Path, "/") {
			return fmt.Errorf("path %q must start with /", route.Path)
		}
		f.HTTP = append(f.HTTP, route)
	case "ScheduleV2":
		var p struct {
			Expr  string `yaml:"ScheduleExpression"`
			TZ    string `yaml:"ScheduleExpressionTimezone"`
			Input string `yaml:"Input"`
			State string `yaml:"State"`
		}
		if err := r.decode(node, &p); err != nil {
			return err
		}
		if p.Expr == "" {
			return fmt.Errorf("ScheduleExpression is missing")
		}
		if p.TZ != "" {
			if _, err := time.LoadLocation(p.TZ); err != nil {
				return fmt.Errorf("ScheduleExpressionTimezone: %w", err)
			}
		}
		f.Schedules = append(f.Schedules, Schedule{Event: name, Expression: p.Expr, Timezone: p.TZ, Input: p.Input, Enabled: p.State != "DISABLED"})
	case "DynamoDB":
		var p struct {
			StartingPosition string   `yaml:"StartingPosition"`
			BatchSize        int      `yaml:"BatchSize"`
			Window           int      `yaml:"MaximumBatchingWindowInSeconds"`
			MaxRetries       *int     `yaml:"MaximumRetryAttempts"`
			Bisect           bool     `yaml:"BisectBatchOnFunctionError"`
			ResponseTypes    []string `yaml:"FunctionResponseTypes"`
			FilterCriteria   struct {
				Filters []struct {
					Pattern string `yaml:"Pattern"`
				} `yaml:"Filters"`
			} `yaml:"FilterCriteria"`
		}
		if err := r.decode(node, &p); err != nil {
			return err
		}
		s := StreamSource{Event: name, StartingPosition: firstNonEmpty(p.StartingPosition, "LATEST"), BatchSize: firstPositive(p.BatchSize, 100),
			BatchingWindow: time.Duration(p.Window) * time.Second, MaxRetries: -1, Bisect: p.Bisect}
		if p.MaxRetries != nil {
			s.MaxRetries = *p.MaxRetries
		}
		for _, rt := range p.ResponseTypes {
			s.ReportItemFailures = s.ReportItemFailures || rt == "ReportBatchItemFailures"
		}
		for i, fl := range p.FilterCriteria.Filters {
			if !json.Valid([]byte(fl.Pattern)) {
				return fmt.Errorf("filter %d: pattern is not JSON", i)
			}
			s.Filters = append(s.Filters, fl.Pattern)
		}
		f.Streams = append(f.Streams, s)
	default:
		return fmt.Errorf("event type %q is not supported by the local stack", typ)
	}
	return nil
}

func (r *resolver) table(id string, node *yaml.Node) (*Table, error) {
	type keyElem struct {
		AttributeName string `yaml:"AttributeName"`
		KeyType       string `yaml:"KeyType"`
	}
	var p struct {
		TableName  string `yaml:"TableName"`
		Attributes []struct {
			Name string `yaml:"AttributeName"`
			Type string `yaml:"AttributeType"`
		} `yaml:"AttributeDefinitions"`
		KeySchema []keyElem `yaml:"KeySchema"`
		GSIs      []struct {
			IndexName  string    `yaml:"IndexName"`
			KeySchema  []keyElem `yaml:"KeySchema"`
			Projection struct {
				ProjectionType string `yaml:"ProjectionType"`
			} `yaml:"Projection"`
		} `yaml:"GlobalSecondaryIndexes"`
		Stream struct {
			StreamViewType string `yaml:"StreamViewType"`
		} `yaml:"StreamSpecification"`
		TTL struct {
			AttributeName string `yaml:"AttributeName"`
			Enabled       bool   `yaml:"Enabled"`
		} `yaml:"TimeToLiveSpecification"`
	}
	if err := r.decode(node, &p); err != nil {
		return nil, err
	}
	keys := func(ks []keyElem) (hash, rng string, err error) {
		for _, k := range ks {
			switch k.KeyType {
			case "HASH":
				hash = k.AttributeName
			case "RANGE":
				rng = k.AttributeName
			default:
				return "", "", fmt.Errorf("key %s: unknown KeyType %q", k.AttributeName, k.KeyType)
			}
		}
		if hash == "" {
			return "", "", fmt.Errorf("key schema has no HASH key")
		}
		return hash, rng, nil
	}
	t := &Table{LogicalID: id, Name: r.ref(id), Attributes: map[string]string{}, StreamView: p.Stream.StreamViewType}
	if p.TTL.Enabled {
		t.TTL = p.TTL.AttributeName
	}
	for _, a := range p.Attributes {
		t.Attributes[a.Name] = a.Type
	}
	var err error
	if t.HashKey, t.RangeKey, err = keys(p.KeySchema); err != nil {
		return nil, err
	}
	for _, g := range p.GSIs {
		ix := Index{Name: g.IndexName, Projection: firstNonEmpty(g.Projection.ProjectionType, "ALL")}
		if ix.HashKey, ix.RangeKey, err = keys(g.KeySchema); err != nil {
			return nil, fmt.Errorf("index %s: %w", g.IndexName, err)
		}
		t.GSIs = append(t.GSIs, ix)
	}
	for _, k := range t.keyAttributes() {
		if t.Attributes[k] == "" {
			return nil, fmt.Errorf("key attribute %s has no AttributeDefinition", k)
		}
	}
	return t, nil
}

func (t *Table) keyAttributes() []string {
	ks := []string{t.HashKey, t.RangeKey}
	for _, g := range t.GSIs {
		ks = append(ks, g.HashKey, g.RangeKey)
	}
	out := ks[:0]
	for _, k := range ks {
		if k != "" {
			out = append(out, k)
		}
	}
	return out
}

// resolver replaces intrinsic functions by the strings they resolve to locally.
type resolver struct {
	params    map[string]string
	types     map[string]string // logical id -> resource type
	tableName string
}

// decode resolves intrinsics in a copy of node, then decodes it into v.
func (r *resolver) decode(node *yaml.Node, v any) error {
	if node.Kind == 0 { // absent: leave v at its zero value
		return nil
	}
	n, err := r.resolve(node)
	if err != nil {
		return err
	}
	return n.Decode(v)
}

func (r *resolver) resolve(n *yaml.Node) (*yaml.Node, error) {
	if n.Kind == yaml.AliasNode {
		return r.resolve(n.Alias)
	}
	// Long forms {Ref: X}, {"Fn::GetAtt": ...}, {"Fn::Sub": ...}.
	if n.Kind == yaml.MappingNode && len(n.Content) == 2 {
		switch n.Content[0].Value {
		case "Ref":
			return r.intrinsic("!Ref", n.Content[1])
		case "Fn::GetAtt":
			return r.intrinsic("!GetAtt", n.Content[1])
		case "Fn::Sub":
			return r.intrinsic("!Sub", n.Content[1])
		}
	}
	switch n.Tag {
	case "!Ref", "!GetAtt", "!Sub":
		return r.intrinsic(n.Tag, n)
	}
	if strings.HasPrefix(n.Tag, "!") && !strings.HasPrefix(n.Tag, "!!") {
		return nil, fmt.Errorf("line %d: intrinsic %s is not supported locally", n.Line, n.Tag)
	}
	out := *n
	out.Content = make([]*yaml.Node, len(n.Content))
	for i, c := range n.Content {
		rc, err := r.resolve(c)
		if err != nil {
			return nil, err
		}
		out.Content[i] = rc
	}
	return &out, nil
}

func (r *resolver) intrinsic(tag string, arg *yaml.Node) (*yaml.Node, error) {
	var s string
	var err error
	switch tag {
	case "!Ref":
		s = r.ref(arg.Value)
	case "!GetAtt":
		s, err = r.getAtt(arg)
	case "!Sub":
		s, err = r.sub(arg)
	}
	if err != nil {
		return nil, fmt.Errorf("line %d: %s: %w", arg.Line, tag, err)
	}
	return &yaml.Node{Kind: yaml.ScalarNode, Tag: "!!str", Value: s, Line: arg.Line}, nil
}

func (r *resolver) ref(name string) string {
	if v, ok := r.params[name]; ok {
		return v
	}
	switch name {
	case "AWS::Region":
		return Region
	case "AWS::AccountId":
		return AccountID
	case "AWS::StackName":
		return StackName
	case "AWS::Partition":
		return "aws"
	case "AWS::URLSuffix":
		return "amazonaws.com"
	}
	if r.types[name] == "AWS::DynamoDB::Table" && r.tableName != "" {
		return r.tableName
	}
	return name // other resources: their logical id stands in for the physical id
}

func (r *resolver) getAtt(arg *yaml.Node) (string, error) {
	var parts []string
	switch arg.Kind {
	case yaml.ScalarNode:
		parts = strings.SplitN(arg.Value, ".", 2)
	case yaml.SequenceNode:
		for _, c := range arg.Content {
			parts = append(parts, c.Value)
		}
	}
	if len(parts) != 2 {
		return "", fmt.Errorf("want Resource.Attribute, got %q", arg.Value)
	}
	id, attr := parts[0], parts[1]
	if _, ok := r.types[id]; !ok {
		return "", fmt.Errorf("unknown resource %s", id)
	}
	if attr == "StreamArn" {
		return fmt.Sprintf("arn:aws:dynamodb:%s:%s:table/%s/stream/local", Region, AccountID, r.ref(id)), nil
	}
	return fmt.Sprintf("arn:aws:local:%s:%s:%s/%s", Region, AccountID, id, attr), nil
}

var subVar = regexp.MustCompile(`\$\{([^}!]+)\}`)

func (r *resolver) sub(arg *yaml.Node) (string, error) {
	text, vars := arg.Value, map[string]string{}
	if arg.Kind == yaml.SequenceNode {
		if len(arg.Content) != 2 {
			return "", fmt.Errorf("want [text, variables]")
		}
		text = arg.Content[0].Value
		var m map[string]string
		if err := r.decode(arg.Content[1], &m); err != nil {
			return "", err
		}
		vars = m
	}
	var firstErr error
	out := subVar.ReplaceAllStringFunc(text, func(m string) string {
		name := m[2 : len(m)-1]
		if v, ok := vars[name]; ok {
			return v
		}
		if id, attr, ok := strings.Cut(name, "."); ok {
			v, err := r.getAtt(&yaml.Node{Kind: yaml.ScalarNode, Value: id + "." + attr})
			if err != nil && firstErr == nil {
				firstErr = err
			}
			return v
		}
		return r.ref(name)
	})
	return out, firstErr
}

func firstNonEmpty(s ...string) string {
	for _, v := range s {
		if v != "" {
			return v
		}
	}
	return ""
}

func firstPositive(n ...int) int {
	for _, v := range n {
		if v > 0 {
			return v
		}
	}
	return 0
}
