package template

import (
	"path/filepath"
	"reflect"
	"testing"
	"time"
)

const sample = `
Parameters:
  Stage: {Type: String, Default: v1}
  From: {Type: String, Default: a@example.org}
Globals:
  Function:
    Handler: bootstrap
    Runtime: provided.al2023
    MemorySize: 256
    Timeout: 10
    Environment:
      Variables:
        TABLE_NAME: !Ref Table
        FROM: !Ref From
        OVERRIDDEN: global
Resources:
  Api:
    Type: AWS::Serverless::HttpApi
  AFunction:
    Type: AWS::Serverless::Function
    Properties:
      Timeout: 60
      Environment:
        Variables:
          OVERRIDDEN: own
          URL: !Sub "https://${Api}.execute-api.${AWS::Region}.amazonaws.com/${Stage}"
          LONG: {"Fn::Sub": ["${X}-${Stage}", {X: !Ref From}]}
          ARN: {"Fn::GetAtt": [Table, Arn]}
      Events:
        Get:
          Type: HttpApi
          Properties: {ApiId: !Ref Api, Method: get, Path: "/v1/things/{id}"}
        Open:
          Type: HttpApi
          Properties: {Method: POST, Path: /v1/open, Auth: {Authorizer: NONE}}
        Daily:
          Type: ScheduleV2
          Properties:
            ScheduleExpression: cron(0 6 * * ? *)
            ScheduleExpressionTimezone: America/New_York
        Stream:
          Type: DynamoDB
          Properties:
            Stream: !GetAtt Table.StreamArn
            StartingPosition: TRIM_HORIZON
            BatchSize: 25
            MaximumRetryAttempts: 5
            BisectBatchOnFunctionError: true
            FunctionResponseTypes: [ReportBatchItemFailures]
            FilterCriteria:
              Filters:
                - Pattern: '{"eventName":["INSERT"]}'
  BFunction:
    Type: AWS::Serverless::Function
  Table:
    Type: AWS::DynamoDB::Table
    Properties:
      StreamSpecification: {StreamViewType: NEW_AND_OLD_IMAGES}
      TimeToLiveSpecification: {AttributeName: ttl, Enabled: true}
      AttributeDefinitions:
        - {AttributeName: pk, AttributeType: S}
        - {AttributeName: sk, AttributeType: S}
        - {AttributeName: gpk, AttributeType: S}
      KeySchema:
        - {AttributeName: pk, KeyType: HASH}
        - {AttributeName: sk, KeyType: RANGE}
      GlobalSecondaryIndexes:
        - IndexName: ByG
          KeySchema: [{AttributeName: gpk, KeyType: HASH}]
          Projection: {ProjectionType: KEYS_ONLY}
`

func TestParseFunctions(t *testing.T) {
	tpl, err := Parse([]byte(sample), Options{TableName: "local-table"})
	if err != nil {
		t.Fatal(err)
	}
	if len(tpl.Functions) != 2 || tpl.Functions[0].LogicalID != "AFunction" || tpl.Functions[1].LogicalID != "BFunction" {
		t.Fatalf("functions: %+v", tpl.Functions)
	}
	a := tpl.Functions[0]
	wantEnv := map[string]string{
		"TABLE_NAME": "local-table",
		"FROM":       "a@example.org",
		"OVERRIDDEN": "own",
		"URL":        "https://Api.execute-api.us-east-1.amazonaws.com/v1",
		"LONG":       "a@example.org-v1",
		"ARN":        "arn:aws:local:us-east-1:000000000000:Table/Arn",
	}
	if !reflect.DeepEqual(a.Env, wantEnv) {
		t.Errorf("env\n got %v\nwant %v", a.Env, wantEnv)
	}
	if a.Timeout != 60*time.Second || a.MemoryMB != 256 || a.Handler != "bootstrap" {
		t.Errorf("timeout %v memory %d handler %q", a.Timeout, a.MemoryMB, a.Handler)
	}
	if b := tpl.Functions[1]; b.Timeout != 10*time.Second || b.Env["OVERRIDDEN"] != "global" {
		t.Errorf("globals not applied to B: %+v", b)
	}
	wantRoutes := []Route{
		{Event: "Get", Method: "GET", Path: "/v1/things/{id}"},
		{Event: "Open", Method: "POST", Path: "/v1/open", NoAuth: true},
	}
	if !reflect.DeepEqual(a.HTTP, wantRoutes) {
		t.Errorf("routes %+v", a.HTTP)
	}
	wantSched := []Schedule{{Event: "Daily", Expression: "cron(0 6 * * ? *)", Timezone: "America/New_York", Enabled: true}}
	if !reflect.DeepEqual(a.Schedules, wantSched) {
		t.Errorf("schedules %+v", a.Schedules)
	}
	wantStream := []StreamSource{{Event: "Stream", StartingPosition: "TRIM_HORIZON", BatchSize: 25, MaxRetries: 5, Bisect: true,
		ReportItemFailures: true, Filters: []string{`{"eventName":["INSERT"]}`}}}
	if !reflect.DeepEqual(a.Streams, wantStream) {
		t.Errorf("streams %+v", a.Streams)
	}
}

func TestParseTable(t *testing.T) {
	tpl, err := Parse([]byte(sample), Options{})
	if err != nil {
		t.Fatal(err)
	}
	want := &Table{LogicalID: "Table", Name: "Table", Attributes: map[string]string{"pk": "S", "sk": "S", "gpk": "S"},
		HashKey: "pk", RangeKey: "sk", GSIs: []Index{{Name: "ByG", HashKey: "gpk", Projection: "KEYS_ONLY"}},
		StreamView: "NEW_AND_OLD_IMAGES", TTL: "ttl"}
	if !reflect.DeepEqual(tpl.Table, want) {
		t.Errorf("table\n got %+v\nwant %+v", tpl.Table, want)
	}
}

// The stage is SAM's $default unless the HTTP API names one (the sample
// names none; a named stage is read from a !Ref like any property).
func TestParseAPIStage(t *testing.T) {
	tpl, err := Parse([]byte(sample), Options{})
	if err != nil {
		t.Fatal(err)
	}
	if tpl.APIStage != "$default" {
		t.Errorf("sample: stage %q, want $default", tpl.APIStage)
	}
	named := "Parameters:\n  S: {Type: String, Default: v1}\nResources:\n  Api:\n    Type: AWS::Serverless::HttpApi\n    Properties: {StageName: !Ref S}\n"
	if tpl, err = Parse([]byte(named), Options{}); err != nil {
		t.Fatal(err)
	}
	if tpl.APIStage != "v1" {
		t.Errorf("named: stage %q, want v1", tpl.APIStage)
	}
}

func TestParseErrors(t *testing.T) {
	cases := map[string]string{
		"unknown event type": "Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Events:\n        E: {Type: SQS}\n",
		"unsupported tag":    "Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Handler: !Join [a, b]\n",
		"bad time zone":      "Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Events:\n        E: {Type: ScheduleV2, Properties: {ScheduleExpression: rate(1 day), ScheduleExpressionTimezone: Mars/Base}}\n",
		"bad filter":         "Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Events:\n        E: {Type: DynamoDB, Properties: {FilterCriteria: {Filters: [{Pattern: '{nope'}]}}}\n",
		"undefined key":      "Resources:\n  T:\n    Type: AWS::DynamoDB::Table\n    Properties:\n      KeySchema: [{AttributeName: pk, KeyType: HASH}]\n",
		"GetAtt unknown":     "Resources:\n  F:\n    Type: AWS::Serverless::Function\n    Properties:\n      Handler: !GetAtt Nope.Arn\n",
		"not yaml":           "Resources: [",
		"two HTTP APIs":      "Resources:\n  A: {Type: AWS::Serverless::HttpApi}\n  B: {Type: AWS::Serverless::HttpApi}\n",
	}
	for name, text := range cases {
		t.Run(name, func(t *testing.T) {
			if _, err := Parse([]byte(text), Options{}); err == nil {
				t.Error("want an error")
			}
		})
	}
}

// The project's own template must parse, and every function must have a
// folder the Makefile's build-<LogicalId> target can build.
func TestProjectTemplate(t *testing.T) {
	tpl, err := Load(filepath.Join("..", "..", "..", "template.yaml"), Options{TableName: "cmp"})
	if err != nil {
		t.Fatal(err)
	}
	if tpl.Table == nil || tpl.Table.StreamView == "" {
		t.Fatalf("the table with its stream is missing: %+v", tpl.Table)
	}
	if len(tpl.Functions) == 0 {
		t.Fatal("no functions")
	}
	// The routes carry /v1; a named stage would deploy them at /<stage>/v1/...
	// (architecture.md "Deployment URL"), and the local stack refuses one.
	if tpl.APIStage != "$default" {
		t.Errorf("HTTP API stage %q, want $default", tpl.APIStage)
	}
	for _, f := range tpl.Functions {
		if f.Env["TABLE_NAME"] != "cmp" {
			t.Errorf("%s: TABLE_NAME %q", f.LogicalID, f.Env["TABLE_NAME"])
		}
	}
}
