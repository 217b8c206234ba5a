// Command testfn is a test-only Lambda function for the runner's own tests.
// It reads a command from the event (top-level fields, or the JSON body of an
// API Gateway event): log (a line to stderr, repeated logRepeat times), sleepMs,
// fail (handler error), exit (crash). Otherwise
// it answers an API Gateway v2 response whose body echoes the event.
package main

import (
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"time"

	"github.com/aws/aws-lambda-go/lambda"
)

type command struct {
	SleepMs int    `json:"sleepMs"`
	Fail    string `json:"fail"`
	Exit    bool   `json:"exit"`
	Log     string `json:"log"`
	Repeat  int    `json:"logRepeat"`
}

func handle(event json.RawMessage) (map[string]any, error) {
	var c command
	_ = json.Unmarshal(event, &c)
	var wrapped struct {
		Body string `json:"body"`
	}
	if json.Unmarshal(event, &wrapped) == nil && wrapped.Body != "" {
		_ = json.Unmarshal([]byte(wrapped.Body), &c)
	}
	for i := 0; c.Log != "" && i < max(c.Repeat, 1); i++ {
		fmt.Fprintln(os.Stderr, c.Log)
	}
	if c.Exit {
		os.Exit(3)
	}
	if c.Fail != "" {
		return nil, errors.New(c.Fail)
	}
	time.Sleep(time.Duration(c.SleepMs) * time.Millisecond) // ignores the deadline: a hung handler

	return map[string]any{
		"statusCode": 200,
		"headers":    map[string]string{"content-type": "application/json", "x-pid": itoa(os.Getpid())},
		"cookies":    []string{"a=1"},
		"body":       string(event),
	}, nil
}

func itoa(n int) string { b, _ := json.Marshal(n); return string(b) }

func main() { lambda.Start(handle) }
